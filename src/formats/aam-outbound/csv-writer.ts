/**
 * Writes AAM outbound rows as CSV records (`,`, `"` quoting RFC 4180 style where a value holds
 * `,`, `"`, CR or LF, LF line ends): the columns id, segments and removed_segments, always three
 * fields (an absent removed list is empty). A segment list such as `1,2,3` is one quoted field.
 *
 * The engine names the fields it replaces by their byte ranges, so the writer splits each record
 * again as the reader did. The one range two fields can share is an empty one at the record's
 * end (`id|` with a separator byte: an empty segment field and an absent removed list); every op
 * writes an empty value for an empty field or rejects the record, so either slot gives the same bytes.
 */
import { Bytes, copyInto } from '../../transforms/byte-buffers.js';
import { needsQuoting, writeQuoted } from '../csv/field-codec.js';
import type { Dialect } from '../csv/scan.js';
import { LF } from '../line-ends.js';
import type { RecordWriter } from '../worker-format.js';
import { AAM_OUTBOUND_COLUMNS, lineAt, splitFields } from './layout.js';

const CSV: Dialect = { delimiter: 0x2c, quote: 0x22, escape: 0x22 };
const COMMA = 0x2c;
const NFIELDS = AAM_OUTBOUND_COLUMNS.length;

export class AamCsvWriter implements RecordWriter {
  out: Bytes = new Bytes(0);
  private src: Buffer = Buffer.alloc(0);
  private length = 0;
  private readonly starts = new Int32Array(NFIELDS);
  private readonly ends = new Int32Array(NFIELDS);
  /** The next field of the current record to write. */
  private next = 0;

  constructor(private readonly separator: number) {}

  begin(src: Buffer, length: number, out: Bytes): void {
    this.src = src;
    this.length = length;
    this.out = out;
  }

  record(start: number): void {
    const { end } = lineAt(this.src, start, this.length);
    const nf = splitFields(this.src, start, end, this.separator, this.starts, this.ends);
    for (let i = nf; i < NFIELDS; i++) {
      this.starts[i] = end;
      this.ends[i] = end;
    }
    this.next = 0;
  }

  field(fs: number, fe: number): void {
    let i = this.next;
    while (i < NFIELDS - 1 && (this.starts[i] !== fs || this.ends[i] !== fe)) i++;
    this.copyFields(i);
    if (i > 0) this.comma();
    this.next = i + 1;
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

  end(): number {
    this.copyFields(NFIELDS);
    const out = this.out;
    out.ensure(1);
    out.bytes[out.used++] = LF;
    return out.used;
  }

  drop(): void {}

  finish(): number {
    return this.out.used;
  }

  /** Writes the untouched fields from `next` up to (not including) `upTo`, each after its comma. */
  private copyFields(upTo: number): void {
    for (let i = this.next; i < upTo; i++) {
      if (i > 0) this.comma();
      this.value(this.src, this.starts[i], this.ends[i]);
    }
  }

  private comma(): void {
    this.out.ensure(1);
    this.out.bytes[this.out.used++] = COMMA;
  }
}
