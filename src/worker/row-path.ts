/**
 * The record engine's converting path (ChunkPlan.output, issue 11): after the ops have read their
 * columns, `--mandatory` rejects records with an empty field, and the output format's row writer
 * (the output format's `rows`, src/formats/worker-registry.ts) builds each standing record's row field by field. A row the
 * writer refuses once written (a line too long, say) and a value written past a row only to be
 * captured as a probe are dead ranges of the output: cut out after the chunk's batches filled
 * their slots (a slot may lie in one), the record ends moved with them. No allocation per record.
 */
import { KIND_EMPTY, KIND_INVALID, NCOUNTERS, R_MISSING_MANDATORY, R_UNMATCHED } from '../protocol/codes.js';
import { RunError } from '../errors/errors.js';
import type { ChunkPlan, ChunkResult, OutputPlan } from '../protocol/messages.js';
import { Bytes, Int32List, IntColumns, isAsciiSpace } from '../transforms/byte-buffers.js';
import type { ColumnRunner } from '../transforms/op.js';
import { FIELD_ASCII, FIELD_NOT_ASCII, type FieldReader } from '../formats/worker-format.js';
import { WORKER_FORMATS } from '../formats/worker-registry.js';
import type { WorkerFormat } from '../formats/worker-format.js';
import type { RowWriter } from '../formats/row-writer.js';
import type { RecordTable } from './record-table.js';
import { TableRowFields } from './row-fields.js';
import { ProbeValues } from './probes.js';
import type { Written } from './record-engine.js';

/** What the engine shares with the path: its table columns, ops, field reader and record ends. */
export interface EngineParts {
  /** Per table column: its input field index; the ops' columns first. */
  readonly indexes: Int32Array;
  readonly runners: readonly ColumnRunner[];
  readonly fieldReader: FieldReader;
  /** The engine's list of record ends, kept across chunks. */
  readonly recordEnds: Int32List;
  readonly keepEnds: boolean;
}

export class RowPath {
  private readonly writer: RowWriter;
  private readonly fields: TableRowFields;
  /** Table columns of the mandatory fields. */
  private readonly mandatory: Int32Array;
  private readonly probes: ProbeValues | undefined;
  /** Per probe: its input field index. */
  private readonly probeIndexes: Int32Array;
  /** Output ranges to cut after the fill: from, to (third column unused). */
  private readonly dead = new IntColumns(3);
  private readonly recordLines = new Int32List();

  constructor(
    plan: Omit<ChunkPlan, 'id'>,
    output: OutputPlan,
    private readonly e: EngineParts,
  ) {
    const make = (WORKER_FORMATS as Readonly<Record<string, WorkerFormat | undefined>>)[output.format.name]?.rows;
    if (!make) throw new RunError('ERR_INTERNAL', `no converting writer for the output format '${output.format.name}'`);
    for (const index of neededFields(plan)) {
      if (index < 0 || index >= plan.fieldCount) throw new RunError('ERR_INTERNAL', `output plan: field ${index} is not in a record of ${plan.fieldCount} fields`);
    }
    this.writer = make(output);
    const columnOf = new Int32Array(plan.fieldCount).fill(-1);
    e.indexes.forEach((index, k) => (columnOf[index] = k));
    this.probeIndexes = Int32Array.from(plan.probes ?? []);
    const probeOf = new Int32Array(plan.fieldCount).fill(-1);
    this.probeIndexes.forEach((index, j) => {
      if (probeOf[index] === -1) probeOf[index] = j;
    });
    this.probes = this.probeIndexes.length > 0 ? new ProbeValues(this.probeIndexes.length) : undefined;
    this.fields = new TableRowFields(columnOf, e.runners, e.fieldReader, probeOf, this.probes, this.writer);
    this.mandatory = Int32Array.from(output.mandatory, (index) => columnOf[index]);
  }

  /**
   * `--mandatory`: a standing record whose field is empty (trimmed; for a transformed field, its
   * op found it empty) is rejected `missing_mandatory`, naming the field.
   */
  checkMandatory(buf: Buffer, t: RecordTable): void {
    const nops = this.e.runners.length;
    const reader = this.e.fieldReader;
    for (let m = 0; m < this.mandatory.length; m++) {
      const k = this.mandatory[m];
      const starts = t.fieldStart[k];
      const ends = t.fieldEnd[k];
      const kinds = t.kinds[k];
      for (let r = 0; r < t.count; r++) {
        if (t.reason[r] !== -1) continue;
        let reason = -1;
        if (k < nops) {
          if (kinds[r] === KIND_EMPTY) reason = R_MISSING_MANDATORY;
        } else {
          const status = reader.asciiRange(buf, starts[r], ends[r]);
          if (status === FIELD_ASCII) {
            if (reader.asciiStart === reader.asciiEnd) reason = R_MISSING_MANDATORY;
          } else if (status === FIELD_NOT_ASCII) {
            const text = reader.decodeText(buf, starts[r], ends[r]);
            if (typeof text === 'number') reason = text;
            else if (text.length === 0) reason = R_MISSING_MANDATORY;
          } else {
            reason = status;
          }
        }
        if (reason !== -1) {
          t.reason[r] = reason;
          t.failedOp[r] = -1;
          t.flawColumn[r] = this.e.indexes[k];
        }
      }
    }
  }

  /** Each standing record's row, in order, and the rejects. The record ends are left in the engine's list (moved by `finish`). */
  write(buf: Buffer, t: RecordTable, out: Bytes): Written {
    const { runners, recordEnds, keepEnds, indexes } = this.e;
    const ncols = runners.length;
    const counts = new Float64Array(ncols * NCOUNTERS);
    const rejects = new IntColumns(5); // line offset, reason, column, start, end
    recordEnds.count = 0;
    const { writer: w, fields: f, probes, dead, recordLines } = this;
    recordLines.count = 0;
    dead.count = 0;
    probes?.begin();
    let recordsOut = 0;
    w.begin(out);
    f.begin(buf, t);
    const { reason: reasons, start: starts, end: ends, kinds } = t;
    for (let r = 0; r < t.count; r++) {
      const reason = reasons[r];
      // Unmatched by a lookup: neither written nor rejected (the lookup op counts and returns it).
      if (reason === R_UNMATCHED) continue;
      if (reason !== -1) {
        const k = t.failedOp[r];
        if (k >= 0) counts[k * NCOUNTERS + KIND_INVALID]++;
        rejects.push(t.line[r], reason, k >= 0 ? indexes[k] : t.flawColumn[r], starts[r], ends[r]);
        continue;
      }
      const mark = out.used;
      f.r = r;
      probes?.startRecord();
      const refused = w.write(f);
      if (refused !== -1) {
        dead.push(mark, out.used, 0);
        rejects.push(t.line[r], refused, w.rejectField, starts[r], ends[r]);
        // The record is not written: what ops count of written records (a lookup's matches) must see it.
        reasons[r] = refused;
        continue;
      }
      for (let k = 0; k < ncols; k++) counts[k * NCOUNTERS + kinds[k][r]]++;
      if (keepEnds) {
        recordEnds.push(out.used);
        recordLines.push(t.line[r]);
      }
      if (probes) this.probeRecord(out, probes);
      recordsOut++;
    }
    return { recordsOut, counts, rejects };
  }

  /**
   * Once the chunk's slots are filled: the probe values, the dead ranges cut out, the record ends
   * moved with them, each in a buffer of its own.
   */
  finish(out: Bytes): Pick<ChunkResult, 'recordEnds' | 'recordLines' | 'probes'> {
    const probes = this.probes?.finish(out.bytes);
    const { recordEnds, keepEnds } = this.e;
    this.dropDead(out, recordEnds.values, keepEnds ? recordEnds.count : 0);
    return {
      ...(keepEnds ? { recordEnds: recordEnds.take(), recordLines: this.recordLines.take() } : {}),
      ...(probes ? { probes } : {}),
    };
  }

  /**
   * The probes the row did not capture: a field that is not transformed is decoded from the
   * input (trimmed when the writer trims); a transformed field that is not written has its op
   * write its value past the row, captured there and cut out after the fill.
   */
  private probeRecord(out: Bytes, probes: ProbeValues): void {
    const { fields: f, probeIndexes, writer: w } = this;
    for (let j = 0; j < probeIndexes.length; j++) {
      if (probes.has(j)) continue;
      const index = probeIndexes[j];
      probes.listen(j);
      if (f.hasOp(index)) {
        const mark = out.used;
        w.capture = probes;
        f.writeOp(index, w);
        w.capture = undefined;
        if (out.used > mark) this.dead.push(mark, out.used, 0);
      } else if (f.decode(index)) {
        let s = f.start;
        let e = f.end;
        if (w.trims) {
          const src = f.src;
          while (s < e && isAsciiSpace(src[s])) s++;
          while (e > s && isAsciiSpace(src[e - 1])) e--;
        }
        probes.value(f.src, s, e);
      }
    }
    probes.endRecord();
  }

  /** Cuts the dead ranges out of the output (in order, none overlapping) and moves the first `n` record ends with them. */
  private dropDead(out: Bytes, ends: Int32Array, n: number): void {
    const dead = this.dead;
    const count = dead.count;
    if (count === 0) return;
    const [from, to] = dead.cols;
    const bytes = out.bytes;
    let dst = from[0];
    for (let i = 0; i < count; i++) {
      const next = i + 1 < count ? from[i + 1] : out.used;
      bytes.copyWithin(dst, to[i], next);
      dst += next - to[i];
    }
    out.used = dst;
    let cut = 0;
    let d = 0;
    for (let i = 0; i < n; i++) {
      while (d < count && to[d] <= ends[i]) cut += to[d] - from[d++];
      ends[i] -= cut;
    }
  }
}

/** Every input field index the converting path reads besides the ops' fields. */
export function neededFields(plan: Omit<ChunkPlan, 'id'>): number[] {
  const o = plan.output;
  if (!o) return [];
  const list: number[] = [];
  for (const f of o.fields) if (f.kind === 'input') list.push(f.index);
  list.push(...o.mandatory, ...(plan.probes ?? []));
  if (o.aam) {
    list.push(o.aam.id, ...o.aam.signals.map((s) => s.index));
    if (o.aam.traitsColumn !== undefined) list.push(o.aam.traitsColumn);
    if (o.aam.removedTraitsColumn !== undefined) list.push(o.aam.removedTraitsColumn);
  }
  return [...new Set(list)];
}
