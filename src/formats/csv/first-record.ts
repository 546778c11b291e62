/**
 * Frames the header record before the line end is known and learns it: the first LF, CRLF or CR
 * outside quotes ends the header and sets the line end for the rest of the file, as csv-parse's
 * `record_delimiter: 'auto'` does (Excel for Mac writes CR). A byte loop: it runs once a file.
 */
import { CR, LF } from '../line-ends.js';
import type { Dialect } from './scan.js';

export interface FirstRecord {
  /** Position after the header's line end, or -1 when it is not in the bytes. */
  readonly end: number;
  readonly lineEnd: number;
  /** Where a quote opened that does not close within the bytes, or -1. */
  readonly openQuoteAt: number;
  /** Where the first quoted field holding a line break opened, or -1. */
  readonly spanningQuoteAt: number;
}

export function scanFirstRecord(buf: Buffer, start: number, len: number, dialect: Dialect, atEnd: boolean): FirstRecord {
  const { delimiter: D, quote: Q, escape: E } = dialect;
  const backslash = E !== Q;
  let fieldStart = start;
  let spanningQuoteAt = -1;
  const found = (end: number, lineEnd: number): FirstRecord => ({ end, lineEnd, openQuoteAt: -1, spanningQuoteAt });
  let i = start;
  while (i < len) {
    const c = buf[i];
    if (c === LF) return found(i + 1, LF);
    if (c === CR) {
      if (i + 1 < len) return buf[i + 1] === LF ? found(i + 2, LF) : found(i + 1, CR);
      return found(atEnd ? i + 1 : -1, CR);
    }
    if (c === D) {
      i++;
      fieldStart = i;
    } else if (backslash && c === E) {
      i += 2;
    } else if (c === Q && i === fieldStart) {
      const close = closingQuote(buf, i + 1, len, Q, E, atEnd);
      if (close < 0) return { end: -1, lineEnd: LF, openQuoteAt: i, spanningQuoteAt };
      if (spanningQuoteAt < 0 && (buf.subarray(i, close).includes(LF) || buf.subarray(i, close).includes(CR))) spanningQuoteAt = i;
      i = close + 1;
    } else {
      i++;
    }
  }
  return { end: -1, lineEnd: LF, openQuoteAt: -1, spanningQuoteAt };
}

function closingQuote(buf: Buffer, from: number, len: number, Q: number, E: number, atEnd: boolean): number {
  for (let i = from; i < len; i++) {
    const c = buf[i];
    if (E !== Q && c === E) i++;
    else if (c === Q) {
      if (E !== Q) return i;
      if (i + 1 >= len) return atEnd ? i : -1;
      if (buf[i + 1] !== Q) return i;
      i++;
    }
  }
  return -1;
}
