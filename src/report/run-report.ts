/**
 * The run's accounting: every input record ends up written, rejected or deduplicated, and the
 * counts add up (`recordsIn = recordsOut + recordsRejected + recordsDeduplicated`, checked at the
 * end of every run). Written as JSON at the end of every run that got past configuration,
 * failed runs too.
 */
import type { InputFileEntry } from '../batch/file-name.js';
import type { BatchSummary } from '../sources/source.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { COLUMN_COUNTERS, REJECT_REASONS, type ChunkResult, type ColumnOp } from '../protocol/messages.js';

export type RunStatus = 'ok' | 'failed' | 'cut-short';
/** The --id-type ops, whose columns report `validated`. */
const ID_TYPE_OPS: ReadonlySet<string> = new Set(['ecid', 'gaid', 'idfa', 'external_id']);

export type ColumnReport = Record<Exclude<(typeof COLUMN_COUNTERS)[number], 'validated'>, number> & { validated?: number };

export interface RunReport {
  status: RunStatus;
  error?: { code: ErrorCode; message: string };
  input: string;
  /** Every input file, with what its name says (vendor templates: src/batch/file-name.ts). */
  inputs?: InputFileEntry[];
  /** The .info the input batch was checked against, and what it holds (src/batch/). */
  batch?: BatchSummary;
  output: string;
  recordsIn: number;
  recordsOut: number;
  recordsRejected: number;
  /** Records dropped by --dedup-key as duplicates of a winning record. */
  recordsDeduplicated: number;
  blankLines: number;
  rejectReasons: Record<string, number>;
  /** Reject texts the reject file holds cut to REJECT_RECORD_MAX_BYTES. */
  rejectsTruncated: number;
  columns: Record<string, ColumnReport>;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  workers: number;
  /** Peak resident memory of the process (all threads), from the OS. */
  maxRssBytes: number;
  transport?: Record<string, unknown>;
  /** A routed run's files (splits, partitions, dedup, AAM inbound): their records add up to recordsOut. */
  files?: ReportFile[];
  /** Records per --partition-by value. */
  partitions?: Record<string, number>;
}

export interface ReportFile {
  name: string;
  /** The --partition-by value of the file. */
  partition?: string;
  records: number;
  /** Size and MD5 of the file as stored (compressed when gzip). */
  bytes: number;
  md5: string;
}

/** A command's counts of its own (import-audience: matches per data source), added to its report. */
export interface ReportExtension {
  addChunk(result: ChunkResult): void;
  /** Fields added to the report. */
  fields(): Record<string, unknown>;
}

export class RunAccounting {
  recordsIn = 0;
  recordsOut = 0;
  /** Records a lookup (import-audience) matched no profile for: neither written nor rejected. */
  recordsUnmatched = 0;
  /** Set by a command that reports more (import-audience). */
  extension: ReportExtension | undefined;
  recordsRejected = 0;
  recordsDeduplicated = 0;
  blankLines = 0;
  rejectsTruncated = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly rejectReasons: Record<string, number> = {};
  /** Set once the input's files are listed. */
  inputs: InputFileEntry[] | undefined;
  batch: BatchSummary | undefined;
  /** Set by a routed run once its files are named. */
  files: ReportFile[] | undefined;
  private columns: readonly ColumnOp[] = [];
  private columnCounts = new Float64Array(0);

  setColumns(columns: readonly ColumnOp[]): void {
    this.columns = [...columns].sort((a, b) => a.index - b.index);
    this.columnCounts = new Float64Array(this.columns.length * COLUMN_COUNTERS.length);
  }

  addChunk(result: ChunkResult): void {
    this.recordsIn += result.records;
    this.recordsOut += result.recordsOut;
    this.recordsRejected += result.rejects.count;
    if (result.lookup) this.recordsUnmatched += result.lookup.unmatched;
    this.extension?.addChunk(result);
    this.blankLines += result.blankLines;
    for (let i = 0; i < result.columnCounts.length; i++) this.columnCounts[i] += result.columnCounts[i];
    for (let i = 0; i < result.rejects.count; i++) this.countReject(REJECT_REASONS[result.rejects.reasons[i]]);
  }

  /** A record rejected on the main thread (one that does not end: see the chunker). */
  addFramingReject(reason: string): void {
    this.recordsIn++;
    this.recordsRejected++;
    this.countReject(reason);
  }

  /** A written record the routing stage rejected (too_many_lines_for_id, an empty dedup key). */
  moveToRejected(reason: string): void {
    this.recordsOut--;
    this.recordsRejected++;
    this.countReject(reason);
  }

  /** A written record dropped as a duplicate. */
  moveToDeduplicated(): void {
    this.recordsOut--;
    this.recordsDeduplicated++;
  }

  /** Every record read is written, rejected or deduplicated: null when that holds, else what does not add up. */
  imbalance(): string | null {
    const accounted = this.recordsOut + this.recordsRejected + this.recordsDeduplicated + this.recordsUnmatched;
    if (accounted === this.recordsIn) return null;
    const unmatched = this.recordsUnmatched > 0 || this.extension ? ` + recordsUnmatched ${this.recordsUnmatched}` : '';
    return `recordsIn ${this.recordsIn} != recordsOut ${this.recordsOut} + recordsRejected ${this.recordsRejected} + recordsDeduplicated ${this.recordsDeduplicated}${unmatched} (${accounted})`;
  }

  private countReject(reason: string): void {
    this.rejectReasons[reason] = (this.rejectReasons[reason] ?? 0) + 1;
  }

  toReport(base: Pick<RunReport, 'status' | 'error' | 'input' | 'output' | 'durationMs' | 'workers' | 'transport'>): RunReport {
    const columns: Record<string, ColumnReport> = {};
    this.columns.forEach((col, k) => {
      const entry = {} as ColumnReport;
      COLUMN_COUNTERS.forEach((name, j) => {
        const n = this.columnCounts[k * COLUMN_COUNTERS.length + j];
        // Only --id-type columns validate: the other columns' reports stay as they were.
        if (name !== 'validated' || ID_TYPE_OPS.has(col.op)) entry[name] = n;
      });
      // A lookup column's counts are the extension's (matched and unmatched per data source).
      if (col.op !== 'lookup') columns[col.name] = entry;
    });
    return {
      status: base.status,
      ...(base.error ? { error: base.error } : {}),
      input: base.input,
      ...(this.inputs ? { inputs: this.inputs } : {}),
      ...(this.batch ? { batch: this.batch } : {}),
      output: base.output,
      recordsIn: this.recordsIn,
      recordsOut: this.recordsOut,
      recordsRejected: this.recordsRejected,
      recordsDeduplicated: this.recordsDeduplicated,
      blankLines: this.blankLines,
      rejectReasons: { ...this.rejectReasons },
      rejectsTruncated: this.rejectsTruncated,
      columns,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      durationMs: base.durationMs,
      workers: base.workers,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      ...(base.transport ? { transport: base.transport } : {}),
      ...(this.files ? { files: this.files.map((f) => ({ ...f })), ...partitionCounts(this.files) } : {}),
      ...this.extension?.fields(),
    };
  }
}

function partitionCounts(files: readonly ReportFile[]): { partitions?: Record<string, number> } {
  if (!files.some((f) => f.partition !== undefined)) return {};
  const partitions: Record<string, number> = {};
  for (const f of files) if (f.partition !== undefined) partitions[f.partition] = (partitions[f.partition] ?? 0) + f.records;
  return { partitions };
}
