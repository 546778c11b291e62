/**
 * The worker's AAM outbound record reader: a line split into its fields (layout.ts), and what
 * makes a line unusable: too many bytes, a CR that is not part of a CRLF line end (a CR-only
 * file reads as one line full of them), fewer than two fields (no segment field) or more than
 * the three columns. Lines of only whitespace are blank lines, counted and not written.
 */
import { R_FIELD_COUNT, R_LINE_END, R_TOO_LARGE } from '../../protocol/codes.js';
import { CR, LF } from '../line-ends.js';
import type { RecordReader } from '../worker-format.js';
import { ByteFinder, isBlank, lineAt, splitFields, WHITESPACE_RUNS } from './layout.js';

/** A row needs its ID and its segment field; the removed list may be absent. */
const MIN_FIELDS = 2;

export class AamRecordReader implements RecordReader {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  recordEnd = 0;
  lineFeeds = 0;
  flawColumn = -1;
  private fieldCount = 0;
  private strayCr = false;
  private readonly expectedFields: number;
  private readonly maxRecordBytes: number;
  /** A chunk is searched once for CRs, and for the separator byte when there is one. */
  private readonly crs = new ByteFinder(CR);
  private readonly separator: number | ByteFinder;

  constructor(separator: number, limits: { fieldCount: number; maxRecordBytes: number }) {
    this.separator = separator === WHITESPACE_RUNS ? WHITESPACE_RUNS : new ByteFinder(separator);
    this.expectedFields = limits.fieldCount;
    this.maxRecordBytes = limits.maxRecordBytes;
    // One field more than a row may have: enough to tell that it has too many.
    this.starts = new Int32Array(limits.fieldCount + 1);
    this.ends = new Int32Array(limits.fieldCount + 1);
  }

  blankLine(buf: Buffer, pos: number, length: number): number {
    let i = pos;
    while (i < length && isBlank(buf[i])) i++;
    if (i < length && buf[i] === CR && (i + 1 === length || buf[i + 1] === LF)) i++;
    if (i < length) return buf[i] === LF ? i + 1 - pos : 0;
    // Whitespace up to the end of the input (no line end after it) is a blank line too.
    return i - pos;
  }

  scan(buf: Buffer, pos: number, length: number): number {
    const { end, next } = lineAt(buf, pos, length);
    this.recordEnd = end;
    this.lineFeeds = next > end && buf[next - 1] === LF ? 1 : 0;
    const cr = this.crs.find(buf, pos);
    this.strayCr = cr !== -1 && cr < end;
    const nf = splitFields(buf, pos, end, this.separator, this.starts, this.ends);
    this.fieldCount = nf;
    // An absent field (the removed list) is empty, at the record's end.
    for (let i = nf; i < this.starts.length; i++) {
      this.starts[i] = end;
      this.ends[i] = end;
    }
    return next;
  }

  flaw(start: number): number {
    this.flawColumn = -1;
    if (this.recordEnd - start > this.maxRecordBytes) return R_TOO_LARGE;
    if (this.strayCr) return R_LINE_END;
    if (this.fieldCount < MIN_FIELDS || this.fieldCount > this.expectedFields) return R_FIELD_COUNT;
    return -1;
  }
}
