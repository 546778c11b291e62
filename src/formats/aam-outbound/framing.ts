/**
 * AAM outbound framing: no quotes, a record is a line, ended by LF (a CR before it belongs to
 * the line end). The last LF of the bytes scanned is the last record end, found from the back
 * with memchr over bytes not searched before.
 */
import { LF } from '../line-ends.js';
import type { RecordFraming } from '../framing.js';

export class LineFraming implements RecordFraming {
  readonly lineEnd = LF;
  // No quotes: never inside one.
  readonly inQuotes = false;
  readonly unclosed = false;
  private scanned = 0;
  /** No LF in [floor, searchedTo): `boundary` looked there. */
  private floor = 0;
  private searchedTo = 0;

  firstBoundary(buf: Buffer, start: number, len: number, end: boolean): number {
    const j = buf.indexOf(LF, start);
    if (j !== -1 && j < len) return j + 1 - start;
    return end ? len - start : -1;
  }

  whyUnframed(): string {
    return 'no line feed (LF) in them: not a text file with LF or CRLF line ends (a CR-only file, or UTF-16/UTF-32?)';
  }

  reset(from: number): void {
    this.floor = from;
    this.scanned = from;
    this.searchedTo = from;
  }

  advance(_buf: Buffer, len: number): void {
    this.scanned = len;
  }

  boundary(buf: Buffer): number {
    const from = Math.max(this.floor, this.searchedTo);
    if (this.scanned <= from) return -1;
    const j = buf.subarray(from, this.scanned).lastIndexOf(LF);
    this.searchedTo = this.scanned;
    return j < 0 ? -1 : from + j + 1;
  }
}
