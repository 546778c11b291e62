/**
 * A CSV file beside a run's data output (the reject file, --duplicates, --unmatched,
 * --file-audience, --unusable): its header line first, rows written with backpressure, under a
 * temporary name renamed when the run publishes, or removed when it fails. One part of the run's
 * output set (./output-set.ts): published with the data output, or not at all.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { RunErrorCode } from '../errors/errors.js';
import type { OutputPart } from './output-set.js';
import { resolveTarget } from './resolve-target.js';
import { endAndWait, openTarget, type TargetWriter } from './target-writer.js';

export class CsvFilePart implements OutputPart {
  readonly name: string;
  private writer: TargetWriter | undefined;
  private stream: Writable | undefined;
  /** A write error arrives as an event at any time; the next write throws it. */
  private failure: Error | undefined;

  /** `option` and `code` name the file in errors; `header` is its first line, without the LF. */
  constructor(
    private readonly path: string,
    private readonly option: string,
    private readonly header: string,
    private readonly code: RunErrorCode,
  ) {
    this.name = path;
  }

  async open(): Promise<void> {
    this.writer = await openTarget(await resolveTarget(this.path, this.option), this.option, { code: this.code });
    this.stream = this.writer.writable;
    this.stream.on('error', (err) => (this.failure ??= err));
    await this.write(`${this.header}\n`);
  }

  /** Bytes of rows, each row ending with LF. */
  async write(data: string | Buffer): Promise<void> {
    if (data.length === 0) return;
    if (this.failure) throw this.failure;
    if (!this.stream!.write(data)) await once(this.stream!, 'drain');
  }

  /** Writes out every byte still buffered; a full disk shows here, before anything is published. */
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
