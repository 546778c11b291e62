/**
 * A CSV file of import-audience besides the output (--unmatched, --file-audience): written
 * under a temporary name and renamed when the run publishes, with the output and the reject
 * file, or removed when it fails (src/outputs/output-set.ts: all or nothing).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { resolveTarget } from '../../outputs/resolve-target.js';
import { endAndWait, openTarget, type TargetWriter } from '../../outputs/target-writer.js';
import type { OutputPart } from '../../outputs/output-set.js';

export class CsvOutput implements OutputPart {
  readonly name: string;
  private writer: TargetWriter | undefined;
  private stream: Writable | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly path: string,
    private readonly option: string,
    private readonly header: string,
  ) {
    this.name = path;
  }

  async open(): Promise<void> {
    this.writer = await openTarget(await resolveTarget(this.path, this.option), this.option, { code: 'ERR_OUTPUT' });
    this.stream = this.writer.writable;
    this.stream.on('error', (err) => (this.failure ??= err));
    await this.write(`${this.header}\n`);
  }

  /** Rows, each ending with LF. */
  async write(text: string): Promise<void> {
    if (text.length === 0) return;
    if (this.failure) throw this.failure;
    if (!this.stream!.write(text)) await once(this.stream!, 'drain');
  }

  async prepare(): Promise<void> {
    if (this.failure) throw this.failure;
    await endAndWait(this.stream!);
  }

  async publish(): Promise<void> {
    await this.prepare();
    await this.writer!.commit();
  }

  async abort(): Promise<void> {
    await this.writer?.abort();
  }
}
