/**
 * What a command adds to the `process` engine (run-process.ts) to run inside it: import-audience
 * (issue 12) brings the profile index as shared state, its data sources' AES keys, the lookup
 * column with its output, and outputs of its own (--unmatched, --file-audience) published with
 * the others. Everything else (transports, framing, the pool, accounting, rejects, publishing)
 * stays the engine's.
 */
import type { AesKeyInit, ChunkResult, ColumnOp } from '../protocol/messages.js';
import type { ChunkPool } from '../pool/chunk-pool.js';
import type { OutputSet } from '../outputs/output-set.js';
import type { ReportExtension, RunAccounting } from '../report/run-report.js';
import type { SourcePart } from '../sources/source.js';
import type { OutputDesign, OutputInput } from './plan-output.js';

export interface RunExtension {
  /** WorkerInit.shared: regions defined before the pool starts (their content may come later). */
  readonly shared?: Readonly<Record<string, SharedArrayBuffer>>;
  /** AES keys added after the run's own in WorkerInit.keys (from `keyBase` on, see `plan`). */
  readonly keys?: readonly AesKeyInit[];
  /** Counts of its own in the report. */
  readonly report?: ReportExtension;
  /**
   * Once the pool has started and the inputs are listed, before the first chunk: builds what the
   * workers will read (the profile index) and checks they see it.
   */
  prepare?(pool: ChunkPool, parts: readonly SourcePart[], signal: AbortSignal): Promise<void>;
  /**
   * The run's transformed columns and its output, in place of the configuration's; `keyBase` is
   * the index of the extension's first key in WorkerInit.keys.
   */
  plan(input: OutputInput, parts: readonly SourcePart[], columns: readonly ColumnOp[], keyBase: number): { readonly columns: readonly ColumnOp[]; readonly design: OutputDesign };
  /** Opens the extension's outputs and adds them to the run's set (published with the others, or none). */
  open?(outputs: OutputSet): Promise<void>;
  /** Each counted chunk, in input order, with the line feeds before it in its file. */
  onChunk?(result: ChunkResult, lineBase: number): Promise<void>;
  /** Before anything is published, once the counts add up: a limit of its own (--max-unmatched) throws here. */
  check?(accounting: RunAccounting): void;
}
