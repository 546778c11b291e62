/**
 * Byte-level CSV record scanning, shared by the worker's chunk processor and the main thread's
 * header reader. Pure: no I/O, no allocation per record.
 *
 * The rules are quote parity, the property of RFC 4180 that the record cutter relies on too: a
 * quote toggles the quoted state wherever it stands; inside quotes an escape byte other than the
 * quote itself (AEP's backslash) makes the next byte literal. Outside quotes the delimiter ends a
 * field and LF ends a record; a CR right before that LF belongs to the line end; a lone CR is data.
 */

export const LF = 0x0a;
export const CR = 0x0d;

export interface Dialect {
  readonly delimiter: number;
  readonly quote: number;
  /** Equal to `quote` for RFC 4180 doubling. */
  readonly escape: number;
}

export class RecordScanner {
  /** Field i is [starts[i], ends[i]) for i < min(fieldCount, capacity). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  fieldCount = 0;
  /** End of the record's bytes, before its CR LF / LF. */
  recordEnd = 0;
  /** Line feeds consumed, the terminating one included. */
  lineFeeds = 0;
  /** True when the record's last byte was inside quotes (an unterminated quote at the end of input). */
  openQuote = false;
  /** True when the record ended with a line feed, false when the input ended first. */
  terminated = false;

  private readonly delimiter: number;
  private readonly quote: number;
  private readonly escape: number;
  /** Cache of the next quote's position in `quoteBuf`, valid for positions from `quoteFrom`. */
  private quoteBuf: Buffer | undefined;
  private quoteFrom = 0;
  private nextQuote = -1;
  private readonly classes = new Uint8Array(256);
  private readonly maxSpecial: number;

  constructor(dialect: Dialect, capacity: number) {
    this.delimiter = dialect.delimiter;
    this.quote = dialect.quote;
    this.escape = dialect.escape;
    this.classes[dialect.delimiter] = CLASS_DELIMITER;
    this.classes[LF] = CLASS_LF;
    this.classes[dialect.quote] = CLASS_QUOTE;
    this.maxSpecial = Math.max(dialect.delimiter, dialect.quote, LF);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /**
   * Scans the record starting at `pos`; returns the position after its line end (or `len`).
   * A record with no quote (most of them) is split by a loop that looks for the delimiter
   * alone, its end found by memchr; the rest take the full state machine.
   */
  scan(buf: Buffer, pos: number, len: number): number {
    if (buf !== this.quoteBuf || pos < this.quoteFrom || (this.nextQuote < pos && this.nextQuote !== -1)) {
      this.quoteBuf = buf;
      this.quoteFrom = pos;
      this.nextQuote = buf.indexOf(this.quote, pos);
      if (this.nextQuote >= len) this.nextQuote = -1;
    }
    let lfAt = buf.indexOf(LF, pos);
    if (lfAt === -1 || lfAt >= len) lfAt = len;
    if (this.nextQuote !== -1 && this.nextQuote < lfAt) return this.scanQuoted(buf, pos, len);
    const D = this.delimiter;
    const starts = this.starts;
    const ends = this.ends;
    const cap = starts.length;
    let nf = 0;
    let fieldStart = pos;
    for (let i = pos; i < lfAt; i++) {
      if (buf[i] === D) {
        if (nf < cap) {
          starts[nf] = fieldStart;
          ends[nf] = i;
        }
        nf++;
        fieldStart = i + 1;
      }
    }
    const terminated = lfAt < len;
    let end = lfAt;
    if (terminated && end > fieldStart && buf[end - 1] === CR) end--;
    if (nf < cap) {
      starts[nf] = fieldStart;
      ends[nf] = end;
    }
    this.fieldCount = nf + 1;
    this.recordEnd = end;
    this.lineFeeds = terminated ? 1 : 0;
    this.openQuote = false;
    this.terminated = terminated;
    return terminated ? lfAt + 1 : len;
  }

  private scanQuoted(buf: Uint8Array, pos: number, len: number): number {
    // One table load and one compare per ordinary byte: the loop every input byte goes through.
    const classes = this.classes;
    const Q = this.quote;
    const E = this.escape;
    const escapeIsQuote = E === Q;
    const starts = this.starts;
    const ends = this.ends;
    const cap = starts.length;
    let nf = 0;
    let fieldStart = pos;
    let lf = 0;
    let inQuotes = false;
    let terminated = false;
    let i = pos;
    const maxSpecial = this.maxSpecial;
    while (i < len) {
      const c0 = buf[i];
      // Letters and digits sort above every special byte of the usual dialects: one compare.
      if (c0 > maxSpecial) {
        i++;
        continue;
      }
      const k = classes[c0];
      if (k === 0) {
        i++;
      } else if (k === CLASS_DELIMITER) {
        if (nf < cap) {
          starts[nf] = fieldStart;
          ends[nf] = i;
        }
        nf++;
        i++;
        fieldStart = i;
      } else if (k === CLASS_LF) {
        terminated = true;
        break;
      } else {
        // A quote: skip to the closing one. A doubled quote reopens on the next turn (parity).
        i++;
        for (;;) {
          if (i >= len) {
            inQuotes = true;
            break;
          }
          const c = buf[i];
          if (c === Q) break;
          if (c === LF) lf++;
          else if (c === E && !escapeIsQuote) {
            i++;
            if (i < len && buf[i] === LF) lf++;
          }
          i++;
        }
        if (inQuotes) break;
        i++;
      }
    }
    let end = i > len ? len : i;
    let next = len;
    if (terminated) {
      lf++;
      next = i + 1;
      if (end > fieldStart && buf[end - 1] === CR) end--;
    }
    if (nf < cap) {
      starts[nf] = fieldStart;
      ends[nf] = end < fieldStart ? fieldStart : end;
    }
    nf++;
    this.fieldCount = nf;
    this.recordEnd = end;
    this.lineFeeds = lf;
    this.openQuote = inQuotes;
    this.terminated = terminated;
    return next;
  }
}

const CLASS_DELIMITER = 1;
const CLASS_LF = 2;
const CLASS_QUOTE = 3;

/**
 * Decodes a raw field into `dst` (which must hold end - start bytes) and returns the decoded
 * length, or -1 when the quoting is malformed: a quoted field must be one quoted run; an
 * unquoted field must not contain the quote.
 */
export function decodeField(buf: Uint8Array, start: number, end: number, dialect: Dialect, dst: Uint8Array): number {
  const Q = dialect.quote;
  const E = dialect.escape;
  if (end > start && buf[start] === Q) {
    if (end - start < 2 || buf[end - 1] !== Q) return -1;
    let n = 0;
    const last = end - 1;
    if (E === Q) {
      for (let i = start + 1; i < last; i++) {
        const c = buf[i];
        if (c === Q) {
          if (i + 1 < last && buf[i + 1] === Q) i++;
          else return -1;
        }
        dst[n++] = c;
      }
    } else {
      for (let i = start + 1; i < last; i++) {
        let c = buf[i];
        if (c === E) {
          i++;
          if (i >= last) return -1;
          c = buf[i];
        } else if (c === Q) {
          return -1;
        }
        dst[n++] = c;
      }
    }
    return n;
  }
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === Q) return -1;
    dst[i - start] = c;
  }
  return end - start;
}

/** True when a value must be quoted to be written as one field. */
export function needsQuoting(bytes: Uint8Array, start: number, end: number, dialect: Dialect): boolean {
  const { delimiter: D, quote: Q, escape: E } = dialect;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === D || c === Q || c === E || c === CR || c === LF) return true;
  }
  return false;
}

/** Writes `bytes[start, end)` as a quoted field at `dst[pos]`; returns the new position. `dst` must hold 2 * (end - start) + 2 bytes. */
export function writeQuoted(bytes: Uint8Array, start: number, end: number, dialect: Dialect, dst: Uint8Array, pos: number): number {
  const { quote: Q, escape: E } = dialect;
  dst[pos++] = Q;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === Q || (c === E && E !== Q)) dst[pos++] = E;
    dst[pos++] = c;
  }
  dst[pos++] = Q;
  return pos;
}

/** Line feeds in buf[start, end), found with memchr. */
export function countLineFeeds(buf: Buffer, start = 0, end = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(LF, start); i !== -1 && i < end; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}
