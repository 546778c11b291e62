/**
 * Profiles without a usable key (export-audience's --unusable): the engine rejects them (the key
 * empty, not an e-mail address, not a phone number, or a value an AAM file cannot carry), and
 * this reject sink writes them apart, as CSV `<profiles.id column>,reason`, while every other
 * reject (a malformed record, too_many_lines_for_id) goes to --rejects as in `process`. Both
 * files are parts of the run's output set: published with the AAM files, or not at all.
 */
import { csvField } from '../../formats/csv/text-field.js';
import { CsvFilePart } from '../../outputs/csv-file-part.js';
import type { RejectSink, RejectsWriter } from '../../report/rejects-writer.js';
import { fieldAt } from './csv-record.js';

/** The engine's reject reasons that mean "no usable key", and the reason --unusable gives. */
export const UNUSABLE_REASONS: Readonly<Record<string, UnusableReason>> = {
  missing_id: 'empty',
  invalid_email: 'invalid_email',
  invalid_phone: 'invalid_phone',
  invalid_id: 'invalid_id',
};
export type UnusableReason = 'empty' | 'invalid_email' | 'invalid_phone' | 'invalid_id';
export const UNUSABLE_REASON_NAMES: readonly UnusableReason[] = ['empty', 'invalid_email', 'invalid_phone', 'invalid_id'];

/** The --unusable file. */
export class UnusableWriter extends CsvFilePart {
  constructor(path: string, idColumn: string) {
    super(path, 'unusable', `${csvField(idColumn)},reason`, 'ERR_UNUSABLE');
  }

  async add(id: string, reason: UnusableReason): Promise<void> {
    await this.write(`${csvField(id)},${reason}\n`);
  }
}

/** The run's reject sink: unusable profiles to --unusable, the rest to --rejects (each when given). */
export class ExportRejects implements RejectSink {
  readonly name: string;

  constructor(
    private readonly unusable: UnusableWriter | undefined,
    private readonly rejects: RejectsWriter | undefined,
    /** The ID column's field number in a record (known once the header is read). */
    private readonly idField: () => number,
  ) {
    this.name = [unusable?.name, rejects?.name].filter(Boolean).join(' and ');
  }

  async open(): Promise<void> {
    await this.unusable?.open();
    await this.rejects?.open();
  }

  async add(line: number, column: string, reason: string, record: Buffer, length = record.length): Promise<boolean> {
    const unusable = UNUSABLE_REASONS[reason];
    if (unusable === undefined) return (await this.rejects?.add(line, column, reason, record, length)) ?? false;
    if (this.unusable === undefined) return false;
    const f = this.idField();
    // A record cut before its ID (longer than the reject text keeps) is named by its line.
    const id = f < 0 ? undefined : fieldAt(record, 0, record.length, f);
    await this.unusable.add(id ?? `line ${line}`, unusable);
    return false;
  }

  async prepare(): Promise<void> {
    await this.unusable?.prepare();
    await this.rejects?.prepare();
  }

  async publish(): Promise<void> {
    await this.unusable?.publish();
    await this.rejects?.publish();
  }

  async abort(): Promise<void> {
    await this.unusable?.abort();
    await this.rejects?.abort();
  }
}
