/**
 * Writes CSV records of the input's own dialect, each the input record with its transformed
 * fields replaced: untouched bytes are copied, never decoded, and runs of them are copied across
 * record boundaries in one piece (a record ending in a bare LF continues the run into the next).
 * Output lines end with LF; blank lines and dropped records leave nothing.
 */
import { Bytes, copyInto } from '../../transforms/byte-buffers.js';
import type { RecordWriter } from '../worker-format.js';
import { needsQuoting, writeQuoted } from './field-codec.js';
import { LF } from '../line-ends.js';
import type { Dialect } from './scan.js';

export class CsvReplacingWriter implements RecordWriter {
  out: Bytes = new Bytes(0);
  private src: Buffer = Buffer.alloc(0);
  private length = 0;
  /** Untouched input bytes not yet copied: [runStart, ...). -1 when there are none. */
  private runStart = -1;
  /** Where the pending run ends once a record is over (just after its LF). */
  private runEnd = 0;

  constructor(private readonly dialect: Dialect) {}

  begin(src: Buffer, length: number, out: Bytes): void {
    this.src = src;
    this.length = length;
    this.out = out;
    this.runStart = -1;
    this.runEnd = 0;
  }

  record(start: number): void {
    // The pending run goes on only if this record starts where it ends.
    if (this.runStart !== -1 && this.runEnd !== start) this.flush();
    if (this.runStart === -1) this.runStart = start;
  }

  field(fs: number, fe: number): void {
    copyInto(this.out, this.src, this.runStart, fs);
    // The value is written next; the run resumes after the field.
    this.runStart = fe;
  }

  reserve(n: number): number {
    const out = this.out;
    out.ensure(n);
    const at = out.used;
    out.used = at + n;
    return at;
  }

  value(bytes: Buffer, start: number, end: number): void {
    const out = this.out;
    out.ensure(2 * (end - start) + 2);
    if (needsQuoting(bytes, start, end, this.dialect)) out.used = writeQuoted(bytes, start, end, this.dialect, out.bytes, out.used);
    else copyInto(out, bytes, start, end);
  }

  end(recordEnd: number): number {
    if (this.src[recordEnd] === LF && recordEnd < this.length) {
      this.runEnd = recordEnd + 1;
      return this.out.used + this.runEnd - this.runStart;
    }
    const out = this.out;
    copyInto(out, this.src, this.runStart, recordEnd);
    out.ensure(1);
    out.bytes[out.used++] = LF;
    this.runStart = -1;
    return out.used;
  }

  drop(): void {
    if (this.runStart !== -1) this.flush();
  }

  finish(): number {
    if (this.runStart !== -1) this.flush();
    return this.out.used;
  }

  private flush(): void {
    copyInto(this.out, this.src, this.runStart, this.runEnd);
    this.runStart = -1;
  }
}
