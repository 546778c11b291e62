/**
 * Byte-level CSV record scanning, shared by the worker's record reader (reader.ts) and the main
 * thread's header reader. Pure: no I/O, no allocation per record.
 *
 * The rules are Python csv's, as the main thread's framing applies them too: a quote opens a
 * quoted field only at the start of a field (after a delimiter, a line end or at the record's
 * start); elsewhere it is a literal byte (`5'10" tall`). Inside quotes `""` is a quote (RFC 4180)
 * or, with another escape byte (AEP's backslash), that byte makes the next byte literal; the
 * escape byte does the same outside quotes, where an escaped delimiter or line end is data. A
 * quoted field must be followed by a delimiter or a line end (`"abc"def` is flagged: the oracles
 * disagree on it). The line end is LF (a CR right before it belongs to the line end, a lone CR is
 * data) or, for Excel for Mac's files, CR (then an LF outside quotes is flagged: the output's
 * line ends are LF).
 */

import { CR, LF } from '../line-ends.js';

export interface Dialect {
  readonly delimiter: number;
  readonly quote: number;
  /** Equal to `quote` for RFC 4180 doubling. */
  readonly escape: number;
  /** The byte that ends a record, LF (the default) or CR. */
  readonly lineEnd?: number;
}

/** Caches where the next `byte` is in one buffer, so a chunk is searched once per byte value. */
class NextByte {
  private buf: Uint8Array | undefined;
  private from = 0;
  private at = -1;
  constructor(private readonly byte: number) {}

  find(buf: Buffer, pos: number, len: number): number {
    if (buf !== this.buf || pos < this.from || (this.at !== -1 && this.at < pos)) {
      this.buf = buf;
      this.from = pos;
      this.at = buf.indexOf(this.byte, pos);
      if (this.at >= len) this.at = -1;
    }
    return this.at;
  }
}

export class RecordScanner {
  /** Field i is [starts[i], ends[i]) for i < min(fieldCount, capacity). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  fieldCount = 0;
  /** End of the record's bytes, before its line end. */
  recordEnd = 0;
  /** Line ends consumed (inside quotes too), the terminating one included. */
  lineFeeds = 0;
  /** True when the record's last byte was inside quotes (an unterminated quote at the end of input). */
  openQuote = false;
  /** Index of the first field whose closing quote is followed by something else than a delimiter or line end, or -1. */
  badQuoteField = -1;
  /** True when a CR-terminated record holds an LF outside quotes. */
  strayLineFeed = false;

  private readonly delimiter: number;
  private readonly quote: number;
  private readonly escape: number;
  private readonly eol: number;
  private readonly quotes: NextByte;
  /** Outside quotes only the backslash dialect's escape byte and CR mode's LF need the full machine. */
  private readonly escapes: NextByte | undefined;
  private readonly lineFeedsInCrMode: NextByte | undefined;
  private readonly classes = new Uint8Array(256);
  private readonly maxSpecial: number;

  constructor(dialect: Dialect, capacity: number) {
    this.delimiter = dialect.delimiter;
    this.quote = dialect.quote;
    this.escape = dialect.escape;
    this.eol = dialect.lineEnd ?? LF;
    this.quotes = new NextByte(dialect.quote);
    this.escapes = dialect.escape !== dialect.quote ? new NextByte(dialect.escape) : undefined;
    this.lineFeedsInCrMode = this.eol === CR ? new NextByte(LF) : undefined;
    if (this.eol === CR) this.classes[LF] = CLASS_STRAY_LF;
    this.classes[dialect.delimiter] = CLASS_DELIMITER;
    this.classes[this.eol] = CLASS_EOL;
    if (dialect.escape !== dialect.quote) this.classes[dialect.escape] = CLASS_ESCAPE;
    this.classes[dialect.quote] = CLASS_QUOTE;
    this.maxSpecial = Math.max(dialect.delimiter, dialect.quote, dialect.escape, this.eol, LF);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /**
   * Scans the record starting at `pos`; returns the position after its line end (or `len`).
   * A record with no quote (most of them) is split by a loop that looks for the delimiter
   * alone, its end found by memchr; the rest take the full state machine.
   */
  scan(buf: Buffer, pos: number, len: number): number {
    const eol = this.eol;
    let eolAt = buf.indexOf(eol, pos);
    if (eolAt === -1 || eolAt >= len) eolAt = len;
    const q = this.quotes.find(buf, pos, len);
    if (q !== -1 && q < eolAt) return this.scanFull(buf, pos, len);
    if (this.escapes) {
      const e = this.escapes.find(buf, pos, len);
      if (e !== -1 && e < eolAt) return this.scanFull(buf, pos, len);
    }
    if (this.lineFeedsInCrMode) {
      const l = this.lineFeedsInCrMode.find(buf, pos, len);
      if (l !== -1 && l < eolAt) return this.scanFull(buf, pos, len);
    }
    const D = this.delimiter;
    const starts = this.starts;
    const ends = this.ends;
    const cap = starts.length;
    let nf = 0;
    let fieldStart = pos;
    for (let i = pos; i < eolAt; i++) {
      if (buf[i] === D) {
        if (nf < cap) {
          starts[nf] = fieldStart;
          ends[nf] = i;
        }
        nf++;
        fieldStart = i + 1;
      }
    }
    const terminated = eolAt < len;
    let end = eolAt;
    if (terminated && eol === LF && end > fieldStart && buf[end - 1] === CR) end--;
    if (nf < cap) {
      starts[nf] = fieldStart;
      ends[nf] = end;
    }
    this.fieldCount = nf + 1;
    this.recordEnd = end;
    this.lineFeeds = terminated ? 1 : 0;
    this.openQuote = false;
    this.badQuoteField = -1;
    this.strayLineFeed = false;
    return terminated ? eolAt + 1 : len;
  }

  private scanFull(buf: Uint8Array, pos: number, len: number): number {
    // One table load and one compare per ordinary byte: the loop every input byte goes through.
    const classes = this.classes;
    const Q = this.quote;
    const E = this.escape;
    const D = this.delimiter;
    const eol = this.eol;
    const escapeIsQuote = E === Q;
    const starts = this.starts;
    const ends = this.ends;
    const cap = starts.length;
    let nf = 0;
    let fieldStart = pos;
    let lf = 0;
    let inQuotes = false;
    let terminated = false;
    let badQuoteField = -1;
    let strayLineFeed = false;
    // A CR escaped outside quotes is data, not part of the line end.
    let escapedAt = -1;
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
      } else if (k === CLASS_EOL) {
        terminated = true;
        break;
      } else if (k === CLASS_ESCAPE) {
        i++;
        if (i < len) {
          if (buf[i] === eol) lf++;
          escapedAt = i;
          i++;
        }
      } else if (k === CLASS_STRAY_LF) {
        strayLineFeed = true;
        i++;
      } else if (i !== fieldStart) {
        i++; // a quote inside an unquoted field is data
      } else {
        i++;
        for (;;) {
          if (i >= len) {
            inQuotes = true;
            break;
          }
          const c = buf[i];
          if (c === Q) {
            if (escapeIsQuote && i + 1 < len && buf[i + 1] === Q) {
              i += 2;
              continue;
            }
            break;
          }
          if (c === eol) lf++;
          else if (c === E && !escapeIsQuote) {
            i++;
            if (i < len && buf[i] === eol) lf++;
          }
          i++;
        }
        if (inQuotes) break;
        i++;
        if (i < len && badQuoteField === -1) {
          const n = buf[i];
          if (n !== D && n !== eol && !(eol === LF && n === CR && i + 1 < len && buf[i + 1] === LF)) badQuoteField = nf;
        }
      }
    }
    let end = i > len ? len : i;
    let next = len;
    if (terminated) {
      lf++;
      next = i + 1;
      if (eol === LF && end > fieldStart && buf[end - 1] === CR && escapedAt !== end - 1) end--;
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
    this.badQuoteField = badQuoteField;
    this.strayLineFeed = strayLineFeed;
    return next;
  }
}

const CLASS_DELIMITER = 1;
const CLASS_EOL = 2;
const CLASS_QUOTE = 3;
const CLASS_ESCAPE = 4;
const CLASS_STRAY_LF = 5;
