/**
 * The worker's CSV record reader: the scanner, plus what makes a scanned record unusable (an
 * open or misplaced quote, a stray LF in a CR file, too many bytes, the wrong field count) and
 * the blank lines between records, which are counted and not written.
 */
import { R_FIELD_COUNT, R_LINE_END, R_QUOTE, R_TOO_LARGE } from '../../protocol/codes.js';
import type { RecordReader } from '../worker-format.js';
import { CR, LF } from '../line-ends.js';
import { RecordScanner, type Dialect } from './scan.js';

export class CsvRecordReader extends RecordScanner implements RecordReader {
  flawColumn = -1;
  private readonly lineEnd: number;
  private readonly expectedFields: number;
  private readonly maxRecordBytes: number;

  constructor(dialect: Dialect, limits: { fieldCount: number; maxRecordBytes: number }) {
    // One field more than a record may have: enough to tell that it has too many.
    super(dialect, limits.fieldCount + 1);
    this.lineEnd = dialect.lineEnd ?? LF;
    this.expectedFields = limits.fieldCount;
    this.maxRecordBytes = limits.maxRecordBytes;
  }

  blankLine(buf: Buffer, pos: number, length: number): number {
    const c = buf[pos];
    if (c === this.lineEnd) return 1;
    return this.lineEnd === LF && c === CR && pos + 1 < length && buf[pos + 1] === LF ? 2 : 0;
  }

  flaw(start: number): number {
    const reason = this.reason(start);
    // A misplaced quote names its field (an open quote at the end of input too, when there is one).
    this.flawColumn = reason === R_QUOTE && this.badQuoteField >= 0 && this.badQuoteField < this.expectedFields ? this.badQuoteField : -1;
    return reason;
  }

  private reason(start: number): number {
    // The chunker hands over framed records only; an open quote here is the end of input.
    if (this.openQuote) return R_QUOTE;
    if (this.recordEnd - start > this.maxRecordBytes) return R_TOO_LARGE;
    if (this.badQuoteField >= 0) return R_QUOTE;
    if (this.strayLineFeed) return R_LINE_END;
    if (this.fieldCount !== this.expectedFields) return R_FIELD_COUNT;
    return -1;
  }
}
