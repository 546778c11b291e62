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
 * (./row-path.ts) instead: the table keeps every field the output needs, and the output format's
 * row writer builds each row field by field.
 *
 * import-audience's usual plan (AAM outbound lines against hashed sources) has a native fast path
 * (./lookup-rows.ts) that gives the same result for a whole chunk in one call; the engine asks it
 * first, and does the chunk itself when it declines.
 */
import { KIND_INVALID, NCOUNTERS, R_UNMATCHED } from '../protocol/codes.js';
import { RunError } from '../errors/errors.js';
import type { ChunkPlan, ChunkResult, ColumnOp, WorkerInit } from '../protocol/messages.js';
import { Bytes, Int32List, IntColumns } from '../transforms/byte-buffers.js';
import { Sha256Batch } from '../transforms/sha256-batch.js';
import { OPS } from '../transforms/registry.js';
import type { ChunkNotes, ColumnRunner } from '../transforms/op.js';
import type { RecordReader, RecordWriter, WorkerFormat } from '../formats/worker-format.js';
import { WORKER_FORMATS } from '../formats/worker-registry.js';
import { RecordTable, TableColumn } from './record-table.js';
import { packRejects } from './rejects.js';
import { neededFields, RowPath } from './row-path.js';
import { LookupRows } from './lookup-rows.js';

/** How an engine may run (tests): `fastPaths: false` keeps every chunk on the engine's own path. */
export interface EngineOptions {
  readonly fastPaths?: boolean;
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
  /** The converting path (./row-path.ts), when the plan has an output plan. */
  private readonly rows: RowPath | undefined;
  /** import-audience's native fast path (./lookup-rows.ts), when the plan is one it takes. */
  private readonly lookupRows: LookupRows | undefined;

  constructor(init: WorkerInit, plan: Omit<ChunkPlan, 'id'>, options: EngineOptions = {}) {
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
    if (!plan.output && !format.writer) throw new RunError('ERR_INTERNAL', `${init.format.name} input is written through an output plan (ChunkPlan.output), never by a replacing writer`);
    this.writer = plan.output ? undefined : format.writer!(settings);
    this.hashes = new Sha256Batch({ native: init.sha256 === 'native' });
    const ctx = { keys: init.keys, hashes: this.hashes, shared: init.shared };
    const defs = this.columns.map((c) => {
      const def = OPS[c.op];
      if (!def) throw new RunError('ERR_INTERNAL', `no op named '${c.op}'`);
      if (def.needsKey && (c.params.key === undefined || !init.keys[c.params.key])) throw new RunError('ERR_INTERNAL', 'an AES transform needs a key and an IV');
      return def;
    });
    this.runners = this.columns.map((c, k) => defs[k].create(c.params, ctx));
    this.fillers = this.runners.filter((r, k) => defs[k].length === 'before' && r.fill !== undefined);
    const fields = format.fields(settings);
    this.views = this.columns.map((_, k) => new TableColumn(k, fields, this.notes));
    this.table = new RecordTable(kept.length);
    this.lookupRows = options.fastPaths === false ? undefined : LookupRows.for(init, plan);
    this.rows = plan.output ? new RowPath(plan, plan.output, { indexes: this.indexes, runners: this.runners, fieldReader: fields, recordEnds: this.recordEnds, keepEnds: this.keepEnds }) : undefined;
  }


  process(input: Uint8Array, length: number, spare?: ArrayBuffer): Omit<ChunkResult, 'input'> {
    const buf = Buffer.from(input.buffer, input.byteOffset, length);
    const fast = this.lookupRows?.process(buf, length, spare);
    if (fast !== undefined) return fast;
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
    const rows = this.rows;
    if (rows) rows.checkMandatory(buf, t);
    const written = rows ? rows.write(buf, t, out) : this.write(buf, length, out);
    this.hashes.fill(out.bytes);
    for (const f of this.fillers) f.fill!(out.bytes);
    if (rows) {
      // First: it may cut dead ranges out of the output, which the result's length must see.
      const extra = rows.finish(out);
      return { ...this.result(t, out, written, lineFeeds, blankLines, buf), ...extra, ...this.opExtras(t) };
    }
    return this.result(t, out, written, lineFeeds, blankLines, buf);
  }

  /** What ops add to the result (the lookup's matches and unmatched IDs). */
  private opExtras(t: RecordTable): Partial<ChunkResult> {
    let extras: Partial<ChunkResult> = {};
    for (const runner of this.runners) if (runner.extra) extras = { ...extras, ...runner.extra(t) };
    return extras;
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
      if (reason === R_UNMATCHED) throw new RunError('ERR_INTERNAL', 'a lookup column needs an output plan');
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

/** What a chunk's write step gives back, on either path. */
export interface Written {
  recordsOut: number;
  recordEnds?: Int32Array;
  counts: Float64Array;
  rejects: IntColumns;
}
