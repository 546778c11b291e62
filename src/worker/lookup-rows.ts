/**
 * import-audience's fast path (issue 12's matching target): a chunk of AAM outbound lines whose
 * IDs are matched against digest sources only (a hashed declared ID, the run a DPID or --alias
 * names nearly always) and written as the import's CSV rows, in one native call per chunk
 * (native/lookup_rows.c lookupRows). It gives the chunk's result exactly as the record engine's
 * own path would (the AAM reader, the lookup op, the CSV row writer): test/lookup-rows.test.ts
 * runs both on the same chunks, damaged ones included. The engine asks it first (`process`);
 * undefined means the engine does the chunk itself: a plan the fast path does not take (`plan`
 * below), no addon, or a line the engine would reject or read another way.
 */
import { KIND_VALIDATED, NCOUNTERS } from '../protocol/codes.js';
import { FIELD_BLOCK } from '../protocol/profile-index.js';
import { LOOKUP_LABEL, type ChunkPlan, type ChunkResult, type LookupChunk, type LookupParams, type WorkerInit } from '../protocol/messages.js';
import { encodeText, rowDialect } from '../formats/csv/writer-rows.js';
import { WHITESPACE_RUNS } from '../formats/aam-outbound/layout.js';
import { Bytes, IntColumns } from '../transforms/byte-buffers.js';
import { nativeFunction } from '../transforms/native-addon.js';
import { currentIndexView, type ProfileIndexView } from './lookup.js';
import { packRejects } from './rejects.js';

type Table = readonly [Int32Array, number, Uint32Array, number, Uint32Array, number, number];
type NativeRows = (
  chunk: Uint8Array, length: number, layout: Int32Array, program: Int32Array, texts: Uint8Array, textEnds: Int32Array,
  fieldEnds: Uint32Array, fieldBytes: Uint8Array, sources: readonly Table[], out: Uint8Array, state: Int32Array, counts: Int32Array, unmatched: Int32Array,
) => number;

const NATIVE_ROWS = nativeFunction<NativeRows>('lookupRows');

/** The row program's field kinds (native/lookup_rows.c P_*). */
const P_ID = 0;
const P_INPUT = 1;
const P_KEPT = 2;
const P_LABEL = 3;
const P_CONST = 4;
/** lookupRows' answers. */
const LR_DONE = 0;
const LR_OUT_FULL = 1;
const LR_LIST_FULL = 2;
/** lookupRows' state words. */
const LS_POS = 0;
const LS_OUT = 1;
const LS_LINE_FEEDS = 2;
const LS_BLANK = 3;
const LS_RECORDS = 4;
const LS_WRITTEN = 5;
const LS_UNMATCHED = 6;
/** The layout word that holds the kept fields a profile has (lookup_rows.c L_KEPT). */
const L_KEPT = 5;
/** Fields a line may have and kept fields a profile may have, at most (lookup_rows.c MAX_LINE_FIELDS, MAX_KEPT). */
const MAX_LINE_FIELDS = 8;
const MAX_KEPT = 64;

/** The output row as a program of (kind, arg) pairs, and the texts it names: labels first, then constants. */
interface RowProgram {
  readonly program: Int32Array;
  readonly texts: Buffer;
  readonly textEnds: Int32Array;
  /** The highest kept field the rows read. */
  readonly maxKept: number;
}

export class LookupRows {
  private readonly layout: Int32Array;
  private readonly state = new Int32Array(8);
  private counts: Int32Array;
  private unmatched = new Int32Array(4 * 1024);
  private view: ProfileIndexView | undefined;
  private tables: readonly Table[] | undefined;

  private constructor(
    private readonly init: WorkerInit,
    private readonly params: LookupParams,
    private readonly rows: RowProgram,
    separator: number,
    fieldCount: number,
    idField: number,
  ) {
    // lookup_rows.c's L_*: separator, maxRecordBytes, fields a line may have, ID field, FIELD_BLOCK, kept fields (set per index view).
    // A limit past int32 is no limit for a chunk's line (a chunk is shorter).
    this.layout = Int32Array.of(separator, Math.min(init.maxRecordBytes, 0x7fffffff), fieldCount, idField, FIELD_BLOCK, 0);
    this.counts = new Int32Array(2 * params.labels.length);
  }

  /** The fast path for this plan, or undefined when it does not take it (the engine's own path then). */
  static for(init: WorkerInit, plan: Omit<ChunkPlan, 'id'>): LookupRows | undefined {
    const output = plan.output;
    if (NATIVE_ROWS === undefined || output === undefined || init.format.name !== 'aam-outbound') return undefined;
    if (plan.recordEnds === true || (plan.probes?.length ?? 0) > 0 || output.mandatory.length > 0 || output.copyFields || output.format.name !== 'csv') return undefined;
    const dialect = rowDialect(output);
    if (dialect.delimiter !== 0x2c || dialect.quote !== 0x22 || dialect.escape !== 0x22) return undefined;
    if (plan.columns.length !== 1 || plan.columns[0].op !== 'lookup' || plan.columns[0].params.lookup === undefined) return undefined;
    const params = plan.columns[0].params.lookup;
    if (params.sources.length < 1 || params.sources.length > 32 || params.sources.some((s) => s.key !== undefined)) return undefined;
    const separator = init.format.fieldSeparator;
    if (typeof separator !== 'number' || (separator !== WHITESPACE_RUNS && (separator < 0 || separator > 255))) return undefined;
    if (plan.fieldCount < 2 || plan.fieldCount > MAX_LINE_FIELDS) return undefined;
    const idField = plan.columns[0].index;
    const texts: Buffer[] = params.labels.map((l) => encodeText(l, dialect, false));
    const program = [output.fields.length];
    let maxKept = -1;
    for (const f of output.fields) {
      if (f.kind === 'input') program.push(f.index === idField ? P_ID : P_INPUT, f.index);
      else if (f.kind === 'constant') {
        program.push(P_CONST, texts.length);
        texts.push(encodeText(f.value, dialect, false));
      } else if (f.field === LOOKUP_LABEL) program.push(P_LABEL, 0);
      else {
        program.push(P_KEPT, f.field);
        maxKept = Math.max(maxKept, f.field);
      }
    }
    if (program.length > 1 + 2 * 64) return undefined;
    const ends: number[] = [];
    let at = 0;
    for (const t of texts) ends.push((at += t.length));
    const rows = { program: Int32Array.from(program), texts: Buffer.concat(texts), textEnds: Int32Array.from(ends), maxKept };
    return new LookupRows(init, params, rows, separator, plan.fieldCount, idField);
  }

  /** The tables of the sources tried, in order, while the index view is the same; undefined when one is not a digest source. */
  private tablesFor(): readonly Table[] | undefined {
    const view = currentIndexView(this.init.shared, this.params.defaultCountry);
    if (view !== this.view) {
      this.view = view;
      const tables = this.params.sources.map((s) => (s.index < view.sourceCount ? view.digestTable(s.index) : undefined));
      const fits = view.sourceCount === this.params.labels.length && view.fieldCount <= MAX_KEPT && this.rows.maxKept < view.fieldCount;
      this.tables = fits && tables.every((t) => t !== undefined) ? (tables as Table[]) : undefined;
      this.layout[L_KEPT] = view.fieldCount;
    }
    return this.tables;
  }

  /** The chunk's result, as the engine's own path would give it; undefined when the engine is to do the chunk. */
  process(buf: Buffer, length: number, spare?: ArrayBuffer): Omit<ChunkResult, 'input'> | undefined {
    const tables = this.tablesFor();
    if (tables === undefined) return undefined;
    const arena = this.view!.keptArena;
    const { program, texts, textEnds } = this.rows;
    const out = new Bytes(spare ? Math.min(spare.byteLength, length + 1024) : length + (length >> 1) + 1024, spare);
    const state = this.state.fill(0);
    const counts = this.counts.fill(0);
    for (;;) {
      const status = NATIVE_ROWS!(buf, length, this.layout, program, texts, textEnds, arena.ends, arena.bytes, tables, out.bytes, state, counts, this.unmatched);
      if (status === LR_DONE) break;
      if (status === LR_OUT_FULL) {
        out.used = state[LS_OUT];
        out.ensure(out.bytes.length - out.used + 1);
      } else if (status === LR_LIST_FULL) {
        const grown = new Int32Array(2 * this.unmatched.length);
        grown.set(this.unmatched);
        this.unmatched = grown;
      } else return undefined;
    }
    out.used = state[LS_OUT];
    const recordsOut = state[LS_WRITTEN];
    const columnCounts = new Float64Array(NCOUNTERS);
    columnCounts[KIND_VALIDATED] = recordsOut;
    return {
      out: out.bytes.buffer as ArrayBuffer,
      outLength: out.used,
      lineFeeds: state[LS_LINE_FEEDS],
      records: state[LS_RECORDS],
      recordsOut,
      blankLines: state[LS_BLANK],
      phonesNeedingCountry: 0,
      columnCounts,
      rejects: packRejects(buf, new IntColumns(5)),
      lookup: this.lookupChunk(buf, state[LS_UNMATCHED]),
    };
  }

  /** The lookup column's part of the result (lookup-op.ts `extra`), from the counts and the unmatched list. */
  private lookupChunk(buf: Buffer, count: number): LookupChunk {
    const nsources = this.params.labels.length;
    const matched = new Float64Array(nsources);
    const unmatchedBySource = new Float64Array(2 * nsources);
    for (let s = 0; s < nsources; s++) {
      matched[s] = this.counts[2 * s];
      unmatchedBySource[2 * s] = this.counts[2 * s + 1];
    }
    const u = this.unmatched;
    const lines = new Int32Array(count);
    const reasons = new Uint8Array(count);
    const idOffsets = new Int32Array(count + 1);
    const keep = this.params.keepUnmatched === true;
    let bytes = 0;
    for (let j = 0; j < count; j++) {
      lines[j] = u[4 * j];
      reasons[j] = u[4 * j + 1];
      if (keep) bytes += u[4 * j + 3] - u[4 * j + 2];
      idOffsets[j + 1] = bytes;
    }
    const ids = new Uint8Array(bytes);
    if (keep) for (let j = 0; j < count; j++) ids.set(buf.subarray(u[4 * j + 2], u[4 * j + 3]), idOffsets[j]);
    return { matched, unmatchedBySource, unmatched: count, lines, reasons, ids: ids.buffer, idOffsets };
  }
}
