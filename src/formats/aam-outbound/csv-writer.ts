/**
 * Writes AAM outbound rows as CSV records (`,`, `"` quoting RFC 4180 style where a value holds
 * `,` or `"`, LF line ends): the columns id, segments and removed_segments, always three fields
 * (an absent removed list is empty). A segment list such as `1,2,3` is one quoted field.
 *
 * The engine names only the fields it replaces, by their byte ranges, so the writer splits the
 * rest of each record again as the reader did (layout.ts), in one pass that copies each field and
 * tells whether it needs quotes. A row's fields hold no CR or LF: the reader rejects a stray CR
 * and a LF ends the line. The one range two fields can share is an empty one at the record's end
 * (`id|` with a separator byte: an empty segment field and an absent removed list); every op
 * writes an empty value for an empty field or rejects the record, so either slot gives the same bytes.
 */
import { Bytes, copyInto } from '../../transforms/byte-buffers.js';
import { needsQuoting, writeQuoted } from '../csv/field-codec.js';
import type { Dialect } from '../csv/scan.js';
import { LF } from '../line-ends.js';
import type { RecordWriter } from '../worker-format.js';
import { AAM_OUTBOUND_COLUMNS, WHITESPACE_RUNS } from './layout.js';

const CSV: Dialect = { delimiter: 0x2c, quote: 0x22, escape: 0x22 };
const COMMA = 0x2c;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;
const NFIELDS = AAM_OUTBOUND_COLUMNS.length;

export class AamCsvWriter implements RecordWriter {
  out: Bytes = new Bytes(0);
  private src: Buffer = Buffer.alloc(0);
  /** Where the current record's bytes not written yet start. */
  private pos = 0;
  /** Fields of the current record written so far. */
  private written = 0;
  private readonly whitespace: boolean;

  constructor(private readonly separator: number) {
    this.whitespace = separator === WHITESPACE_RUNS;
  }

  begin(src: Buffer, _length: number, out: Bytes): void {
    this.src = src;
    this.out = out;
  }

  record(start: number): void {
    this.pos = start;
    this.written = 0;
  }

  field(fs: number, fe: number): void {
    // The fields before this one lie in [pos, fs): with a separator byte, up to the one before fs.
    this.copyFields(fs);
    this.comma();
    this.written++;
    this.pos = this.whitespace ? fe : fe + 1;
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
    if (needsQuoting(bytes, start, end, CSV)) out.used = writeQuoted(bytes, start, end, CSV, out.bytes, out.used);
    else copyInto(out, bytes, start, end);
  }

  end(recordEnd: number): number {
    this.copyFields(recordEnd);
    const out = this.out;
    out.ensure(NFIELDS + 1);
    const b = out.bytes;
    let o = out.used;
    for (let k = this.written; k < NFIELDS; k++) b[o++] = COMMA;
    b[o++] = LF;
    out.used = o;
    return o;
  }

  drop(): void {}

  finish(): number {
    return this.out.used;
  }

  /** Writes the untouched fields in [pos, limit), each after its comma but the record's first. */
  private copyFields(limit: number): void {
    const src = this.src;
    let i = this.pos;
    while (i < limit) {
      let s = i;
      let special = false;
      if (this.whitespace) {
        while (s < limit && (src[s] === SPACE || src[s] === TAB)) s++;
        if (s >= limit) break;
        i = s;
        for (; i < limit; i++) {
          const c = src[i];
          if (c === SPACE || c === TAB) break;
          if (c === COMMA || c === QUOTE) special = true;
        }
      } else {
        for (; i < limit; i++) {
          const c = src[i];
          if (c === this.separator) break;
          if (c === COMMA || c === QUOTE) special = true;
        }
      }
      this.comma();
      this.written++;
      const out = this.out;
      if (!special) copyInto(out, src, s, i);
      else {
        out.ensure(2 * (i - s) + 2);
        out.used = writeQuoted(src, s, i, CSV, out.bytes, out.used);
      }
      // Past the separator byte (whitespace: the next loop skips the run).
      if (!this.whitespace) i++;
    }
    this.pos = i;
  }

  /** A comma before every field but the first. */
  private comma(): void {
    if (this.written === 0) return;
    this.out.ensure(1);
    this.out.bytes[this.out.used++] = COMMA;
  }
}
