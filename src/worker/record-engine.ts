/**
 * The worker's hot path: one record-aligned chunk of bytes in, output bytes, per-record output
 * offsets, rejects and counters out. Pure and synchronous; the Piscina entry (./entry.ts) is a
 * thin adapter. Format-neutral: the format's reader frames the records and its writer builds the
 * output (src/formats/worker-registry.ts); the ops come from src/transforms/registry.ts.
 *
 * Three steps per chunk. Scan: the records are framed once, and each transformed field's range
 * kept (./record-table.ts). Ops: each column runs over every standing record in one batch, in
 * field order, so the first failing column rejects a record and later ones never see it. Write:
 * records in order, untouched bytes copied by the writer, each op's value written or its slot
 * reserved; then the batches whose lengths were known before (hashes, encryption) fill their slots.
 *
 * With an output plan (ChunkPlan.output, issue 11) the write step takes the converting path
 * instead: the table keeps every field the output needs, and the output format's row writer
 * (src/formats/output-writers.ts) builds each row field by field. A row it refuses once written
 * (a line too long, say) is dropped from the output after the fill (its slots may be filled
 * there), as are the values written only to be captured as probes.
 */
import { KIND_EMPTY, KIND_INVALID, NCOUNTERS, R_MISSING_MANDATORY } from '../protocol/codes.js';
import { RunError } from '../errors/errors.js';
import type { ChunkPlan, ChunkResult, ColumnOp, WorkerInit } from '../protocol/messages.js';
import { Bytes, Int32List, IntColumns } from '../transforms/byte-buffers.js';
import { Sha256Batch } from '../transforms/sha256-batch.js';
import { OPS } from '../transforms/registry.js';
import type { ChunkNotes, ColumnRunner } from '../transforms/op.js';
import { FIELD_ASCII, FIELD_NOT_ASCII, type FieldReader, type RecordReader, type RecordWriter, type WorkerFormat } from '../formats/worker-format.js';
import { WORKER_FORMATS } from '../formats/worker-registry.js';
import { OUTPUT_WRITERS } from '../formats/output-writers.js';
import type { RowWriter } from '../formats/row-writer.js';
import { RecordTable, TableColumn } from './record-table.js';
import { packRejects } from './rejects.js';
import { TableRowFields } from './row-fields.js';
import { ProbeValues } from './probes.js';

/** The converting path's parts (ChunkPlan.output). */
interface Converting {
  readonly writer: RowWriter;
  readonly fields: TableRowFields;
  /** Table columns of the mandatory fields. */
  readonly mandatory: Int32Array;
  readonly probes: ProbeValues | undefined;
  /** Per probe: its input field index. */
  readonly probeIndexes: Int32Array;
  /** Output ranges to drop after the fill: rows refused once written, values written only as probes. */
  readonly dead: IntColumns;
  readonly recordLines: Int32List;
}

export class RecordEngine {
  private readonly columns: readonly ColumnOp[];
  /**
   * Per table column: the field index in the record. The ops' columns come first (in field
   * order); the converting path adds the other fields it needs.
   */
  private readonly indexes: Int32Array;
  private readonly reader: RecordReader;
  /** The replacing path's writer: none on the converting path. */
  private readonly writer: RecordWriter | undefined;
  private readonly hashes: Sha256Batch;
  private readonly runners: ColumnRunner[];
  /** The runners whose slots are filled after the write: their batch of their own runs then. */
  private readonly fillers: ColumnRunner[];
  private readonly views: TableColumn[];
  private readonly table: RecordTable;
  private readonly notes: ChunkNotes = { phonesNeedingCountry: 0 };
  /** Kept across chunks: its room grows once, not per chunk. */
  private readonly recordEnds = new Int32List();
  /** Whether the plan asked for the records' output offsets (ChunkPlan.recordEnds). */
  private readonly keepEnds: boolean;
  private readonly fieldReader: FieldReader;
  private readonly converting: Converting | undefined;

  constructor(init: WorkerInit, plan: Omit<ChunkPlan, 'id'>) {
    const format = (WORKER_FORMATS as Readonly<Record<string, WorkerFormat | undefined>>)[init.format.name];
    if (!format) throw new RunError('ERR_INTERNAL', `no worker side for the record format '${init.format.name}'`);
    // The line end is learnt from the input's header, after the pool started: the plan brings it.
    const settings = { ...init.format, lineEnd: plan.lineEnd };
    this.keepEnds = plan.recordEnds === true;
    this.columns = [...plan.columns].sort((a, b) => a.index - b.index);
    const kept = this.columns.map((c) => c.index);
    if (plan.output) {
      for (const index of neededFields(plan)) if (!kept.includes(index)) kept.push(index);
    } else if (plan.probes && plan.probes.length > 0) {
      throw new RunError('ERR_INTERNAL', 'probes need an output plan');
    }
    this.indexes = Int32Array.from(kept);
    this.reader = format.reader(settings, { fieldCount: plan.fieldCount, maxRecordBytes: init.maxRecordBytes });
    this.writer = plan.output ? undefined : format.writer(settings);
    this.hashes = new Sha256Batch({ native: init.sha256 === 'native' });
    const ctx = { keys: init.keys, hashes: this.hashes };
    const defs = this.columns.map((c) => {
      const def = OPS[c.op];
      if (!def) throw new RunError('ERR_INTERNAL', `no op named '${c.op}'`);
      if (def.needsKey && (c.params.key === undefined || !init.keys[c.params.key])) throw new RunError('ERR_INTERNAL', 'an AES transform needs a key and an IV');
      return def;
    });
    this.runners = this.columns.map((c, k) => defs[k].create(c.params, ctx));
    this.fillers = this.runners.filter((r, k) => defs[k].length === 'before' && r.fill !== undefined);
    const fields = format.fields(settings);
    this.fieldReader = fields;
    this.views = this.columns.map((_, k) => new TableColumn(k, fields, this.notes));
    this.table = new RecordTable(kept.length);
    this.converting = plan.output ? this.convertingPath(plan, plan.output) : undefined;
  }

  private convertingPath(plan: Omit<ChunkPlan, 'id'>, output: NonNullable<ChunkPlan['output']>): Converting {
    const make = (OUTPUT_WRITERS as Readonly<Record<string, ((p: typeof output) => RowWriter) | undefined>>)[output.format.name];
    if (!make) throw new RunError('ERR_INTERNAL', `no converting writer for the output format '${output.format.name}'`);
    const writer = make(output);
    const columnOf = new Int32Array(plan.fieldCount).fill(-1);
    this.indexes.forEach((index, k) => (columnOf[index] = k));
    const probeIndexes = Int32Array.from(plan.probes ?? []);
    const probeOf = new Int32Array(plan.fieldCount).fill(-1);
    probeIndexes.forEach((index, j) => {
      if (probeOf[index] === -1) probeOf[index] = j;
    });
    const probes = probeIndexes.length > 0 ? new ProbeValues(probeIndexes.length) : undefined;
    for (const index of neededFields(plan)) {
      if (index < 0 || index >= plan.fieldCount) throw new RunError('ERR_INTERNAL', `output plan: field ${index} is not in a record of ${plan.fieldCount} fields`);
    }
    return {
      writer,
      fields: new TableRowFields(columnOf, this.runners, this.fieldReader, probeOf, probes, writer),
      mandatory: Int32Array.from(output.mandatory, (index) => columnOf[index]),
      probes,
      probeIndexes,
      dead: new IntColumns(3), // from, to, unused
      recordLines: new Int32List(),
    };
  }

  process(input: Uint8Array, length: number, spare?: ArrayBuffer): Omit<ChunkResult, 'input'> {
    const buf = Buffer.from(input.buffer, input.byteOffset, length);
    this.hashes.clear(); // nothing left over from a chunk that threw
    this.notes.phonesNeedingCountry = 0;
    const { lineFeeds, blankLines } = this.scan(buf, length);
    const t = this.table;
    for (let k = 0; k < this.runners.length; k++) {
      this.views[k].reset(buf, t);
      this.runners[k].read(this.views[k]);
    }
    // Output: in the spare buffer the main thread sized from earlier chunks; grows if short.
    const out = new Bytes(spare ? Math.min(spare.byteLength, length + 1024) : length + (length >> 1) + 1024, spare);
    const conv = this.converting;
    if (conv) this.checkMandatory(buf, conv);
    const written = conv ? this.writeRows(buf, out, conv) : this.write(buf, length, out);
    this.hashes.fill(out.bytes);
    for (const f of this.fillers) f.fill!(out.bytes);
    if (conv) {
      const probes = conv.probes?.finish(out.bytes);
      this.dropDead(out, conv.dead, written.recordEnds);
      // The ends were moved in the list's own room: the result gets them in a buffer of their own.
      const ends = this.keepEnds ? this.recordEnds.take() : undefined;
      return {
        ...this.result(t, out, { ...written, recordEnds: ends }, lineFeeds, blankLines, buf),
        ...(this.keepEnds ? { recordLines: conv.recordLines.take() } : {}),
        ...(probes ? { probes } : {}),
      };
    }
    return this.result(t, out, written, lineFeeds, blankLines, buf);
  }

  private result(t: RecordTable, out: Bytes, written: Written, lineFeeds: number, blankLines: number, buf: Buffer): Omit<ChunkResult, 'input'> {
    return {
      out: out.bytes.buffer as ArrayBuffer,
      outLength: out.used,
      ...(written.recordEnds ? { recordEnds: written.recordEnds } : {}),
      lineFeeds,
      records: t.count,
      recordsOut: written.recordsOut,
      blankLines,
      phonesNeedingCountry: this.notes.phonesNeedingCountry,
      columnCounts: written.counts,
      rejects: packRejects(buf, written.rejects),
    };
  }

  /** Frames every record of the chunk once, into the table. */
  private scan(buf: Buffer, length: number): { lineFeeds: number; blankLines: number } {
    const reader = this.reader;
    const t = this.table;
    const ncols = this.indexes.length;
    const indexes = this.indexes;
    t.count = 0;
    let lineFeeds = 0;
    let blankLines = 0;
    let pos = 0;
    while (pos < length) {
      const blank = reader.blankLine(buf, pos, length);
      if (blank > 0) {
        blankLines++;
        lineFeeds++;
        pos += blank;
        continue;
      }
      const r = t.add();
      const start = pos;
      t.start[r] = start;
      t.line[r] = lineFeeds;
      pos = reader.scan(buf, start, length);
      t.end[r] = reader.recordEnd;
      lineFeeds += reader.lineFeeds;
      const reason = reader.flaw(start);
      t.reason[r] = reason;
      if (reason !== -1) {
        // failedOp is read for rejected records only: an op's `fail` sets it, a record-level reject here.
        t.failedOp[r] = -1;
        t.flawColumn[r] = reader.flawColumn;
        continue;
      }
      const starts = reader.starts;
      const ends = reader.ends;
      for (let k = 0; k < ncols; k++) {
        t.fieldStart[k][r] = starts[indexes[k]];
        t.fieldEnd[k][r] = ends[indexes[k]];
      }
    }
    return { lineFeeds, blankLines };
  }

  /**
   * The converting path's `--mandatory`: a standing record whose field is empty (trimmed; for a
   * transformed field, its op found it empty) is rejected `missing_mandatory`, naming the field.
   */
  private checkMandatory(buf: Buffer, conv: Converting): void {
    const t = this.table;
    const nops = this.runners.length;
    const reader = this.fieldReader;
    for (let m = 0; m < conv.mandatory.length; m++) {
      const k = conv.mandatory[m];
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
          t.flawColumn[r] = this.indexes[k];
        }
      }
    }
  }

  /** The converting path: each standing record's row by the output format's writer. */
  private writeRows(buf: Buffer, out: Bytes, conv: Converting): Written {
    const t = this.table;
    const runners = this.runners;
    const ncols = runners.length;
    const counts = new Float64Array(ncols * NCOUNTERS);
    const rejects = new IntColumns(5); // line offset, reason, column, start, end
    const recordEnds = this.recordEnds;
    recordEnds.count = 0;
    const keepEnds = this.keepEnds;
    const { writer: w, fields: f, probes, dead, recordLines } = conv;
    recordLines.count = 0;
    dead.count = 0;
    probes?.begin();
    let recordsOut = 0;
    w.begin(out);
    f.begin(buf, t);
    const { reason: reasons, start: starts, end: ends, kinds } = t;
    for (let r = 0; r < t.count; r++) {
      const reason = reasons[r];
      if (reason !== -1) {
        const k = t.failedOp[r];
        if (k >= 0) counts[k * NCOUNTERS + KIND_INVALID]++;
        rejects.push(t.line[r], reason, k >= 0 ? this.indexes[k] : t.flawColumn[r], starts[r], ends[r]);
        continue;
      }
      const mark = out.used;
      f.r = r;
      probes?.startRecord();
      const refused = w.write(f);
      if (refused !== -1) {
        dead.push(mark, out.used, 0);
        rejects.push(t.line[r], refused, w.rejectField, starts[r], ends[r]);
        continue;
      }
      for (let k = 0; k < ncols; k++) counts[k * NCOUNTERS + kinds[k][r]]++;
      if (keepEnds) {
        recordEnds.push(out.used);
        recordLines.push(t.line[r]);
      }
      if (probes) this.probeRecord(r, out, conv, probes);
      recordsOut++;
    }
    return { recordsOut, recordEnds: keepEnds ? recordEnds.values.subarray(0, recordEnds.count) : undefined, counts, rejects };
  }

  /**
   * The probes the row did not capture: a field that is not written, or not transformed, is
   * decoded from the input; a transformed field that is not written has its op write its value
   * past the row, captured there and dropped after the fill.
   */
  private probeRecord(r: number, out: Bytes, conv: Converting, probes: ProbeValues): void {
    const { fields: f, probeIndexes, writer: w } = conv;
    for (let j = 0; j < probeIndexes.length; j++) {
      if (probes.has(j)) continue;
      const index = probeIndexes[j];
      probes.listen(j);
      if (f.hasOp(index)) {
        const mark = out.used;
        w.capture = probes;
        f.writeOp(index, w);
        w.capture = undefined;
        if (out.used > mark) conv.dead.push(mark, out.used, 0);
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

  /** Cuts the dead ranges out of the output (in order, none overlapping) and moves the record ends with them. */
  private dropDead(out: Bytes, dead: IntColumns, ends: Int32Array | undefined): void {
    const n = dead.count;
    if (n === 0) return;
    const [from, to] = dead.cols;
    const bytes = out.bytes;
    let dst = from[0];
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? from[i + 1] : out.used;
      bytes.copyWithin(dst, to[i], next);
      dst += next - to[i];
    }
    out.used = dst;
    if (!ends) return;
    let cut = 0;
    let d = 0;
    for (let i = 0; i < ends.length; i++) {
      while (d < n && to[d] <= ends[i]) cut += to[d] - from[d++];
      ends[i] -= cut;
    }
  }

  /** Writes the standing records in order and collects the rejects. */
  private write(buf: Buffer, length: number, out: Bytes): Written {
    const t = this.table;
    const w = this.writer!;
    const runners = this.runners;
    const ncols = runners.length;
    const counts = new Float64Array(ncols * NCOUNTERS);
    const rejects = new IntColumns(5); // line offset, reason, column, start, end
    const recordEnds = this.recordEnds;
    recordEnds.count = 0;
    const keepEnds = this.keepEnds;
    let recordsOut = 0;
    w.begin(buf, length, out);
    const { reason: reasons, start: starts, end: ends, fieldStart, fieldEnd, kinds } = t;
    for (let r = 0; r < t.count; r++) {
      const reason = reasons[r];
      if (reason !== -1) {
        w.drop();
        const k = t.failedOp[r];
        if (k >= 0) counts[k * NCOUNTERS + KIND_INVALID]++;
        rejects.push(t.line[r], reason, k >= 0 ? this.indexes[k] : t.flawColumn[r], starts[r], ends[r]);
        continue;
      }
      w.record(starts[r]);
      for (let k = 0; k < ncols; k++) {
        w.field(fieldStart[k][r], fieldEnd[k][r]);
        runners[k].write(r, w);
        counts[k * NCOUNTERS + kinds[k][r]]++;
      }
      const end = w.end(ends[r]);
      if (keepEnds) recordEnds.push(end);
      recordsOut++;
    }
    out.used = w.finish();
    return { recordsOut, recordEnds: keepEnds ? recordEnds.take() : undefined, counts, rejects };
  }
}

/** JavaScript's `trim()` whitespace, within ASCII. */
const isAsciiSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

interface Written {
  recordsOut: number;
  recordEnds?: Int32Array;
  counts: Float64Array;
  rejects: IntColumns;
}

/** Every input field index the converting path reads, ops' fields aside. */
function neededFields(plan: Omit<ChunkPlan, 'id'>): number[] {
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
