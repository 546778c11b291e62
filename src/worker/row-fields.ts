/**
 * A record's fields as the converting writer sees them (src/formats/row-writer.ts RowFields):
 * the ranges the record table kept, the ops' values, and the input format's decoding. When a
 * field is also a probe (ChunkPlan.probes), the value its op writes is captured on the way.
 */
import type { FieldReader, ValueWriter } from '../formats/worker-format.js';
import type { RowFields, RowWriter } from '../formats/row-writer.js';
import type { ColumnRunner } from '../transforms/op.js';
import type { ProbeValues } from './probes.js';
import type { RecordTable } from './record-table.js';

export class TableRowFields implements RowFields {
  buf: Buffer = Buffer.alloc(0);
  src: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  /** The record being written. */
  r = 0;
  private table: RecordTable | undefined;

  /**
   * `columnOf[index]` is the table column of input field `index` (-1: not kept); the first
   * `runners.length` table columns are the ops' columns. `probeOf[index]` is its probe, or -1.
   */
  constructor(
    private readonly columnOf: Int32Array,
    private readonly runners: readonly ColumnRunner[],
    private readonly reader: FieldReader,
    private readonly probeOf: Int32Array,
    private readonly probes: ProbeValues | undefined,
    private readonly writer: RowWriter,
  ) {}

  begin(buf: Buffer, table: RecordTable): void {
    this.buf = buf;
    this.table = table;
  }

  hasOp(index: number): boolean {
    const k = this.columnOf[index];
    return k >= 0 && k < this.runners.length;
  }

  writeOp(index: number, w: ValueWriter): void {
    const j = this.probeOf[index];
    const probes = this.probes;
    if (j >= 0 && probes !== undefined && !probes.has(j)) {
      probes.listen(j);
      this.writer.capture = probes;
      this.runners[this.columnOf[index]].write(this.r, w);
      this.writer.capture = undefined;
      return;
    }
    this.runners[this.columnOf[index]].write(this.r, w);
  }

  writeLookup(field: number, w: ValueWriter): void {
    const runner = this.lookup;
    if (runner === undefined) return;
    runner.writeLookup!(this.r, field, w);
  }

  /** The lookup column's runner, when the plan has one (import-audience). */
  private get lookup(): ColumnRunner | undefined {
    if (this.lookupRunner === null) this.lookupRunner = this.runners.find((r) => r.writeLookup !== undefined);
    return this.lookupRunner;
  }
  private lookupRunner: ColumnRunner | undefined | null = null;

  range(index: number): void {
    const k = this.columnOf[index];
    const t = this.table!;
    this.start = t.fieldStart[k][this.r];
    this.end = t.fieldEnd[k][this.r];
  }

  decode(index: number): boolean {
    this.range(index);
    const reader = this.reader;
    if (reader.decodeRaw === undefined) {
      this.src = this.buf;
      return true;
    }
    if (!reader.decodeRaw(this.buf, this.start, this.end)) return false;
    this.src = reader.rawSrc!;
    this.start = reader.rawStart!;
    this.end = reader.rawEnd!;
    return true;
  }
}
