/**
 * CSV framing with Python csv's quote rule: a quote opens a quoted field only at a field's start
 * (after a delimiter, a line end, or at the record's start); anywhere else it is a literal byte
 * (`5'10" tall`). Inside quotes `""` (RFC 4180) or the escape byte (AEP's backslash) escapes;
 * in the backslash dialect the escape byte escapes outside quotes too, so an escaped line end is
 * data. The worker's RecordScanner applies the same rule byte by byte.
 *
 * Quotes and line ends are found with `Buffer.indexOf` / `lastIndexOf` (memchr speed), never a
 * byte loop: the main thread's share of the work bounds what every added worker can give. Per
 * quote it looks at the byte before; the last record end is found from the back, in the
 * stretches outside quotes, once per chunk.
 */
import type { Dialect } from './scan.js';
import { CR, LF } from '../line-ends.js';
import { scanFirstRecord } from './first-record.js';
import type { RecordFraming } from '../framing.js';

export class CsvFraming implements RecordFraming {
  lineEnd: number;
  inQuotes = false;
  /**
   * A quoted field that spans lines and whose closing quote is followed by more than a delimiter
   * or line end (a stray quote far below closed an unterminated one) counts as never closed:
   * `inQuotes` stays true, the chunker gives up on the line where its record started.
   */
  unclosed = false;

  private readonly dialect: Dialect;
  private readonly quote: number;
  private readonly escape: number;
  private readonly delimiter: number;
  private readonly backslash: boolean;
  /** Where the scan started, a record's start. */
  private floor = 0;
  /** Bytes before it are decided. */
  private scanned = 0;
  /** Start of the stretch outside quotes being scanned. */
  private stretchStart = 0;
  /** No record ends before it: `boundary` searched there in vain. */
  private searchedTo = 0;
  /** Opening and closing quotes of the quoted fields, alternating; odd count: the last is open. */
  private marks = new Int32Array(1024);
  private nmarks = 0;

  constructor(dialect: Dialect) {
    this.dialect = dialect;
    this.quote = dialect.quote;
    this.escape = dialect.escape;
    this.delimiter = dialect.delimiter;
    this.backslash = dialect.escape !== dialect.quote;
    this.lineEnd = dialect.lineEnd ?? LF;
  }

  firstBoundary(buf: Buffer, start: number, len: number, end: boolean): number {
    const first = scanFirstRecord(buf, start, len, this.dialect, end);
    if (first.end >= 0) this.lineEnd = first.lineEnd;
    return first.end < 0 ? -1 : first.end - start;
  }

  whyUnframed(buf: Buffer, start: number, len: number): string {
    const first = scanFirstRecord(buf, start, len, this.dialect, true);
    if (first.openQuoteAt >= 0) return `a quote opened at byte ${first.openQuoteAt - start + 1} of the header does not close`;
    if (first.spanningQuoteAt >= 0) return `a quote opened at byte ${first.spanningQuoteAt - start + 1} of the header runs past a line end`;
    return 'no line end (LF, CRLF or CR) in them: not a text CSV file, or one in UTF-16/UTF-32';
  }

  reset(from: number): void {
    this.floor = from;
    this.scanned = from;
    this.stretchStart = from;
    this.searchedTo = from;
    this.inQuotes = false;
    this.unclosed = false;
    this.nmarks = 0;
  }

  /** Finds the quoted fields from where the last call stopped: one indexOf per quote. */
  advance(buf: Buffer, len: number, end: boolean): void {
    const Q = this.quote;
    let p = this.scanned;
    for (;;) {
      if (this.inQuotes) {
        if (this.unclosed) return;
        const close = this.backslash ? this.closingEscaped(buf, p, len) : this.closingDoubled(buf, p, len, end);
        if (close < 0) return;
        const after = this.afterClose(buf, close, len, end);
        if (after === AFTER_UNKNOWN) {
          this.scanned = p;
          return;
        }
        if (after === AFTER_JUNK && this.spansLines(buf, close)) {
          this.unclosed = true;
          return;
        }
        this.mark(close);
        this.inQuotes = false;
        p = close + 1;
        this.stretchStart = p;
      }
      let q = buf.indexOf(Q, p);
      while (q !== -1 && q < len && !this.opensField(buf, q)) q = buf.indexOf(Q, q + 1);
      if (q === -1 || q >= len) {
        this.scanned = len;
        return;
      }
      this.mark(q);
      this.inQuotes = true;
      p = q + 1;
    }
  }

  /**
   * Searches the stretches outside quotes from the last one back, each within its own bounds,
   * and not again those a call before found no record end in: while one long record grows, the
   * chunker asks after every read, and each byte is searched once.
   */
  boundary(buf: Buffer): number {
    const eol = this.lineEnd;
    const marks = this.marks;
    let k = this.nmarks;
    let stretchEnd = this.scanned;
    if (k % 2 === 1) {
      stretchEnd = marks[k - 1];
      k -= 1;
    }
    const searchedTo = this.searchedTo;
    this.searchedTo = stretchEnd;
    // Stretches outside quotes, from the last: (marks[k-1], stretchEnd), then (marks[k-3], marks[k-2]), ...
    while (stretchEnd > searchedTo) {
      const stretchStart = k > 0 ? marks[k - 1] + 1 : this.floor;
      const from = Math.max(stretchStart, searchedTo);
      if (stretchEnd > from) {
        const stretch = buf.subarray(from, stretchEnd);
        let j = stretch.lastIndexOf(eol);
        while (j >= 0) {
          if (!this.backslash || escapeRun(buf, from + j, stretchStart, this.escape) % 2 === 0) return from + j + 1;
          j = j > 0 ? stretch.lastIndexOf(eol, j - 1) : -1;
        }
      }
      if (k < 2) break;
      stretchEnd = marks[k - 2];
      k -= 2;
    }
    return -1;
  }

  /** One-shot: the position after the last record end of `buf[0, len)`, or -1. */
  lastBoundary(buf: Buffer, len: number): number {
    this.reset(0);
    this.advance(buf, len, false);
    return this.boundary(buf);
  }

  /** A quote opens a field after a delimiter or line end that is not itself escaped, or at the record's start. */
  private opensField(buf: Buffer, q: number): boolean {
    if (q === this.floor) return true;
    const before = buf[q - 1];
    if (before !== this.delimiter && before !== this.lineEnd) return false;
    return !this.backslash || escapeRun(buf, q - 1, this.stretchStart, this.escape) % 2 === 0;
  }

  /** What follows a closing quote: a delimiter or line end, something else, or bytes not read yet. */
  private afterClose(buf: Buffer, close: number, len: number, end: boolean): number {
    const at = close + 1;
    if (at >= len) return end ? AFTER_OK : AFTER_UNKNOWN;
    const c = buf[at];
    if (c === this.delimiter || c === this.lineEnd) return AFTER_OK;
    if (c !== CR || this.lineEnd !== LF) return AFTER_JUNK;
    if (at + 1 >= len) return end ? AFTER_JUNK : AFTER_UNKNOWN;
    return buf[at + 1] === LF ? AFTER_OK : AFTER_JUNK;
  }

  /** True when the quoted field closing at `close` holds a line end. */
  private spansLines(buf: Buffer, close: number): boolean {
    const open = this.marks[this.nmarks - 1];
    const j = buf.indexOf(this.lineEnd, open + 1);
    return j !== -1 && j < close;
  }

  /** RFC 4180: the first quote not doubled. A quote as the last byte waits for the next one. */
  private closingDoubled(buf: Buffer, from: number, len: number, end: boolean): number {
    const Q = this.quote;
    let i = buf.indexOf(Q, from);
    while (i !== -1 && i < len) {
      if (i + 1 >= len) {
        if (end) return i;
        this.scanned = i;
        return -1;
      }
      if (buf[i + 1] !== Q) return i;
      i = buf.indexOf(Q, i + 2);
    }
    this.scanned = len;
    return -1;
  }

  /** Backslash dialect: the first quote after an even run of escape bytes. */
  private closingEscaped(buf: Buffer, from: number, len: number): number {
    const Q = this.quote;
    let i = buf.indexOf(Q, from);
    while (i !== -1 && i < len) {
      if (escapeRun(buf, i, from, this.escape) % 2 === 0) return i;
      i = buf.indexOf(Q, i + 1);
    }
    // A run of escape bytes at the end may escape a byte not read yet: scan it again then.
    let r = len;
    while (r > from && buf[r - 1] === this.escape) r--;
    this.scanned = r;
    return -1;
  }

  private mark(at: number): void {
    if (this.nmarks === this.marks.length) {
      const grown = new Int32Array(this.nmarks * 2);
      grown.set(this.marks);
      this.marks = grown;
    }
    this.marks[this.nmarks++] = at;
  }
}

const AFTER_OK = 0;
const AFTER_JUNK = 1;
const AFTER_UNKNOWN = 2;

/** Escape bytes right before `at`, not looking before `floor`. */
function escapeRun(buf: Buffer, at: number, floor: number, escape: number): number {
  let run = 0;
  for (let j = at - 1; j >= floor && buf[j] === escape; j--) run++;
  return run;
}
