/**
 * The converting writer of CSV dialects (`--to csv`, and `--to aep-csv` through
 * ../aep-csv/writer.ts): rows built from the output plan's fields, each value quoted only when it
 * holds the delimiter, the quote, the escape byte, CR or LF (field-codec.ts: RFC 4180 doubling, or
 * AEP's backslash). A field without an op is copied as its input bytes when the input is the same
 * dialect (OutputPlan.copyFields), else decoded and encoded again. LF line ends.
 */
import { R_QUOTE } from '../../protocol/codes.js';
import type { OutputPlan } from '../../protocol/messages.js';
import { RowWriterBase, type RowFields } from '../row-writer.js';
import { LF } from '../line-ends.js';
import { needsQuoting, writeQuoted } from './field-codec.js';
import type { Dialect } from './scan.js';

export interface CsvRowOptions {
  /** AEP writes an empty value as `""`; RFC 4180 CSV as nothing. */
  readonly emptyQuoted: boolean;
}

export class CsvRowWriter extends RowWriterBase {
  /** Per output field: its input field index, or -1 for a constant. */
  private readonly indexes: Int32Array;
  /** Per output field: the lookup field it is (OutputField kind 'lookup'), else undefined. */
  private readonly lookups: (number | undefined)[];
  /** Per output field: the constant's encoded bytes (empty for input fields). */
  private readonly constants: Buffer[];
  private readonly copy: boolean;
  private readonly delimiter: number;
  private readonly empty: Buffer;

  constructor(
    private readonly dialect: Dialect,
    plan: OutputPlan,
    options: CsvRowOptions,
  ) {
    super();
    this.indexes = Int32Array.from(plan.fields, (f) => (f.kind === 'input' ? f.index : -1));
    this.lookups = plan.fields.map((f) => (f.kind === 'lookup' ? f.field : undefined));
    this.constants = plan.fields.map((f) => (f.kind === 'constant' ? encodeText(f.value, dialect, options.emptyQuoted) : Buffer.alloc(0)));
    this.copy = plan.copyFields;
    this.delimiter = dialect.delimiter;
    this.empty = options.emptyQuoted ? Buffer.from([dialect.quote, dialect.quote]) : Buffer.alloc(0);
  }

  /**
   * When fields are copied: per output field, the last of the run of output fields from it that
   * are consecutive input fields without an op (copied as one range, their delimiters with them:
   * the dialect is the input's), or -1. Made at the first row, once the ops are known.
   */
  private runEnds: Int32Array | undefined;

  write(f: RowFields): number {
    const out = this.out;
    const indexes = this.indexes;
    const runEnds = this.copy ? (this.runEnds ??= copyRuns(indexes, f)) : undefined;
    for (let i = 0; i < indexes.length; i++) {
      if (i > 0) {
        out.ensure(1);
        out.bytes[out.used++] = this.delimiter;
      }
      const index = indexes[i];
      if (runEnds !== undefined && runEnds[i] > i) {
        f.range(index);
        const start = f.start;
        const last = runEnds[i];
        f.range(indexes[last]);
        this.raw(f.buf, start, f.end);
        i = last;
        continue;
      }
      const lookup = this.lookups[i];
      if (lookup !== undefined) {
        const before = out.used;
        f.writeLookup(lookup, this);
        if (out.used === before) this.raw(this.empty, 0, this.empty.length);
      } else if (index < 0) {
        const c = this.constants[i];
        this.raw(c, 0, c.length);
      } else if (f.hasOp(index)) {
        const before = out.used;
        f.writeOp(index, this);
        if (out.used === before) this.raw(this.empty, 0, this.empty.length);
      } else if (this.copy) {
        f.range(index);
        this.raw(f.buf, f.start, f.end);
      } else {
        if (!f.decode(index)) {
          this.rejectField = index;
          return R_QUOTE;
        }
        this.encode(f.src, f.start, f.end);
      }
    }
    out.ensure(1);
    out.bytes[out.used++] = LF;
    return -1;
  }

  protected encode(bytes: Buffer, start: number, end: number): void {
    if (start === end) {
      this.raw(this.empty, 0, this.empty.length);
      return;
    }
    const out = this.out;
    out.ensure(2 * (end - start) + 2);
    if (needsQuoting(bytes, start, end, this.dialect)) out.used = writeQuoted(bytes, start, end, this.dialect, out.bytes, out.used);
    else this.raw(bytes, start, end);
  }
}

/** For CsvRowWriter.runEnds: runs of consecutive input fields without an op, two fields or more. */
function copyRuns(indexes: Int32Array, f: RowFields): Int32Array {
  const ends = new Int32Array(indexes.length).fill(-1);
  const plain = (i: number): boolean => indexes[i] >= 0 && !f.hasOp(indexes[i]);
  for (let i = 0; i < indexes.length; i++) {
    if (!plain(i)) continue;
    let j = i;
    while (j + 1 < indexes.length && plain(j + 1) && indexes[j + 1] === indexes[j] + 1) j++;
    for (let k = i; k <= j; k++) ends[k] = j;
    i = j;
  }
  return ends;
}

/** A text (a constant, a header name) as one field of the dialect. */
export function encodeText(text: string, dialect: Dialect, emptyQuoted: boolean): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return emptyQuoted ? Buffer.from([dialect.quote, dialect.quote]) : bytes;
  if (!needsQuoting(bytes, 0, bytes.length, dialect)) return bytes;
  const dst = Buffer.alloc(2 * bytes.length + 2);
  return dst.subarray(0, writeQuoted(bytes, 0, bytes.length, dialect, dst, 0));
}

/** A CSV output's dialect, as the output plan's format settings carry it. */
export function rowDialect(plan: OutputPlan): Dialect {
  const byte = (name: string): number => {
    const v = plan.format[name];
    return typeof v === 'number' ? v : -1;
  };
  return { delimiter: byte('delimiter'), quote: byte('quote'), escape: byte('escape'), lineEnd: LF };
}

export const csvRowWriter = (plan: OutputPlan): CsvRowWriter => new CsvRowWriter(rowDialect(plan), plan, { emptyQuoted: false });
