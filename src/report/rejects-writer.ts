/**
 * The reject file: RFC 4180 CSV with the header `line,column,reason,record`, in input order.
 * Written under a temporary name and renamed at the end, like the output.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { RunError } from '../errors.js';

const QUOTE_NEEDED = /[",\r\n]/;

export function csvField(text: string): string {
  return QUOTE_NEEDED.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export class RejectsWriter {
  private readonly path: string;
  private readonly temp: string;
  private stream: WriteStream | undefined;

  constructor(path: string) {
    this.path = path;
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  }

  async open(): Promise<void> {
    this.stream = createWriteStream(this.temp, { flags: 'wx' });
    await once(this.stream, 'open').catch((err: NodeJS.ErrnoException) => {
      throw new RunError('ERR_REJECTS', `--rejects: cannot write ${this.path}: ${err.code ?? String(err)}`, err);
    });
    await this.write('line,column,reason,record\n');
  }

  /** `record` is the original bytes; written as UTF-8 text where valid, else byte for byte. */
  async add(line: number, column: string, reason: string, record: Buffer): Promise<void> {
    const recordText = record.toString('latin1');
    const needsQuote = QUOTE_NEEDED.test(recordText);
    const head = `${line},${csvField(column)},${reason},`;
    if (!needsQuote) {
      await this.write(head);
      await this.write(record);
    } else {
      await this.write(`${head}"`);
      await this.write(Buffer.from(recordText.replaceAll('"', '""'), 'latin1'));
      await this.write('"');
    }
    await this.write('\n');
  }

  private async write(data: string | Buffer): Promise<void> {
    if (!this.stream!.write(data)) await once(this.stream!, 'drain');
  }

  async commit(): Promise<void> {
    const s = this.stream!;
    s.end();
    await once(s, 'finish');
    await rename(this.temp, this.path);
  }

  async abort(): Promise<void> {
    this.stream?.destroy();
    await rm(this.temp, { force: true }).catch(() => {});
  }
}
