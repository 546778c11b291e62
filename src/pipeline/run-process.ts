/**
 * The `process` job as stages: the input files framed into record-aligned chunks (inputs.ts,
 * chunker.ts) -> the worker pool, results back in input order (dispatch.ts) -> accounting and
 * rejects (account.ts) -> the sink (deliver.ts), as one `stream.pipeline` with backpressure end
 * to end. The number of chunks in flight is bounded, so memory stays flat whatever the input
 * size, and a slow sink slows the reader. The outputs are published together at the end.
 */
import { gzipSync } from 'node:zlib';
import type { ProcessConfig } from '../config/types.js';
import { abortedBy, classify, isClosedPipe } from '../errors/classify.js';
import { ConfigError, RunError } from '../errors/errors.js';
import { formatNamed } from '../formats/registry.js';
import { OutputSet, sinkPart } from '../outputs/output-set.js';
import type { Sink } from '../outputs/sink.js';
import { BufferPool } from '../pool/buffer-pool.js';
import { ChunkPool } from '../pool/chunk-pool.js';
import type { ChunkPlan, FormatInit, WorkerInit } from '../protocol/messages.js';
import { RejectsWriter, type RejectSink } from '../report/rejects-writer.js';
import { RunAccounting } from '../report/run-report.js';
import type { Source, SourcePart } from '../sources/source.js';
import type { Logger } from '../util/logger.js';
import { inputFileEntry } from '../batch/file-name.js';
import { accounted } from './account.js';
import { deliver, DirectFigures } from './deliver.js';
import { ChunkDispatch, dispatched } from './dispatch.js';
import { openInputs } from './inputs.js';
import { outcome, type ProcessOutcome } from './outcome.js';
import { planColumns, planKeys, sha256Implementation } from './plan-columns.js';
import { planOutput } from './plan-output.js';
import { ProgressMeter, type ProgressDisplay } from './progress.js';
import { RejectLimit } from './reject-limit.js';
import { routeSettings } from './route-settings.js';
import type { RoutedOutput } from '../outputs/file-targets.js';
import type { RunExtension } from './run-extension.js';

// Kept exported from here: the library entry and the bench command import them from this module.
export { planColumns, type ProcessOutcome };

export interface ProcessDeps {
  readonly source: Source;
  /** Called once the header is known to be valid: no sink is opened for a configuration error. */
  readonly openSink: (inputName: string | undefined) => Sink | Promise<Sink>;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** A terminal's status line: progress is drawn there while the run lasts. */
  readonly progress?: ProgressDisplay;
  /** Where a routed run's files go (splits, partitions, dedup, AAM inbound); such a run fails without it. */
  readonly openFiles?: (inputName: string | undefined) => Promise<RoutedOutput>;
  /** What a command adds to the engine (import-audience: the profile index, the lookup, its outputs). */
  readonly extension?: RunExtension;
  /** Where rejected records go in place of `config.rejects`' file (export-audience: unusable profiles apart). */
  readonly rejects?: RejectSink;
}

export async function runProcess(config: ProcessConfig, deps: ProcessDeps): Promise<ProcessOutcome> {
  const started = performance.now();
  const { log, source, extension } = deps;
  const controller = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
  const accounting = new RunAccounting();
  let sink: Sink | undefined;
  let pool: ChunkPool | undefined;
  // The data output and the reject file: published together at the end, or neither.
  const outputs = new OutputSet();
  let inputParts: readonly SourcePart[] = [];
  const progress = deps.progress ? new ProgressMeter(accounting, deps.progress, () => totalSize(inputParts)) : undefined;
  const ended = (status: 'ok' | 'failed' | 'cut-short', error?: unknown): ProcessOutcome => outcome({ config, log, source, accounting, started, sink }, status, error);

  try {
    const format = formatNamed(config.from).forRun(config);
    // Started first: the workers load their modules while the input is listed and its header read.
    pool = new ChunkPool(workerInit(config, format.settings, extension), config.workers);
    const parts = await source.parts(signal);
    inputParts = parts;
    accounting.inputs = parts.map((p) => inputFileEntry(p.name));
    accounting.batch = source.batch?.();
    if (parts.length === 0) throw new RunError('ERR_INPUT', `--in: no input files match ${source.description}`);
    accounting.extension = extension?.report;
    await extension?.prepare?.(pool, parts, signal);
    // Enough chunks in flight to keep every worker busy while the merge waits for the oldest.
    const maxInFlight = config.workers * 2 + 1;
    const buffers = new BufferPool(maxInFlight * 3 * Math.max(config.chunkSize, 1 << 16));
    const inputs = await openInputs(parts, {
      format,
      chunkSize: config.chunkSize,
      maxRecordBytes: config.maxRecordBytes,
      allocate: (size) => buffers.take(size),
      onBytesIn: (n) => (accounting.bytesIn += n),
      signal,
    });
    // The columns decide the plan; a bad plan stops the run before any output exists.
    const { columns: names, lineEnd, header } = inputs.start;
    const planned = planColumns(config, names, log);
    const routing = routeSettings(config);
    const extended = extension?.plan({ columns: names, headerBytes: header?.bytes, settings: format.settings }, parts, planned, planKeys(config).length);
    if (extended && routing !== undefined) throw new ConfigError('splits, partitions, deduplication and AAM inbound output are not available to this command', 'out');
    const columns = extended ? extended.columns : planned;
    // The converting path's plan when an option asks for it (--to, --select, guardrails) or routing needs probes, else none.
    const design = extended ? extended.design : planOutput(config, { columns: names, headerBytes: header?.bytes, settings: format.settings }, columns, { log, force: routing !== undefined });
    accounting.setColumns(columns);
    await inputs.checkSameHeaders();
    // Every part complete and the counts checked, then everything is published.
    const publish = async (): Promise<ProcessOutcome> => {
      // A signal that came as the last bytes went out still publishes nothing.
      signal.throwIfAborted();
      const imbalance = accounting.imbalance();
      if (imbalance !== null) throw new RunError('ERR_INTERNAL', `the run's counts do not add up: ${imbalance}`);
      extension?.check?.(accounting);
      await outputs.commit();
      await source.afterSuccess?.();
      return ended('ok');
    };

    if (routing !== undefined) {
      // Loaded only by a run that routes (splits, partitions, dedup, AAM inbound): a plain run compiles none of it.
      const { routed } = await import('./route-stage.js');
      // Probes come from the converting path: routing asks for its plan even when no other option does.
      const output = design ?? planOutput(config, { columns: names, headerBytes: header?.bytes, settings: format.settings }, columns, { force: true, log })!;
      await routed(config, routing, { deps, columns, output, inputName: parts.length === 1 ? parts[0].name : undefined, inputs, pool, buffers, maxInFlight, outputs, accounting, signal, log, progress });
      return await publish();
    }
    sink = await deps.openSink(parts.length === 1 ? parts[0].name : undefined);
    outputs.add(sinkPart(sink));
    const gzipOutput = sink.gzip === true;
    const plan: ChunkPlan = { id: 1, fieldCount: names.length, columns, lineEnd, ...(gzipOutput ? { gzipLevel: 6 } : {}), ...(design ? { output: design.plan } : {}) };
    let rejects: RejectSink | undefined = deps.rejects;
    if (rejects === undefined && config.rejects) rejects = new RejectsWriter(config.rejects);
    if (rejects) {
      outputs.add(rejects);
      await rejects.open();
    }
    await extension?.open?.(outputs);
    const writable = await sink.open(signal);
    const direct = new DirectFigures(sink, writable, () => accounting.bytesOut);
    progress?.start();
    const dispatch = new ChunkDispatch(pool, plan, buffers);
    const activePool = pool;
    const records = accounted(dispatched(inputs.files(), dispatch, maxInFlight), {
      accounting,
      columns: names,
      rejects,
      rejectLimit: new RejectLimit(config.maxRejects),
      delivered: () => direct.figures(),
      buffers,
      poolError: () => activePool.poolError,
      onRecordsOut: (n) => (direct.records += n),
      log,
      ...(extension?.onChunk ? { onChunk: extension.onChunk.bind(extension) } : {}),
    });
    // Headerless inputs (AAM) always convert: their output header comes from the plan.
    const headerLine = design ? design.header : header && format.header.kind === 'record' ? format.header.write(header.bytes) : undefined;
    async function* output(): AsyncGenerator<Buffer> {
      if (headerLine) yield gzipOutput ? gzipSync(headerLine, { level: 6 }) : headerLine;
      yield* records;
    }
    await deliver(output, {
      writable,
      writableReleases: sink.releasesWrittenChunks === true,
      release: (chunk) => dispatch.release(chunk),
      onBytesOut: (n) => (accounting.bytesOut += n),
      signal,
    });
    return await publish();
  } catch (err) {
    controller.abort();
    await outputs.abort(err);
    if (err instanceof ConfigError && sink === undefined) throw err;
    // An abort on request (a signal) is reported as its reason, not as the AbortError it raised.
    if (deps.signal?.aborted) return ended('failed', abortedBy(deps.signal.reason));
    if (isClosedPipe(err)) return ended('cut-short');
    return ended('failed', classify(err));
  } finally {
    progress?.stop();
    await pool?.close().catch(() => {});
    await source.close?.();
  }
}

/** What the workers need before any input is read: the configuration's part of their setup. */
function workerInit(config: ProcessConfig, format: FormatInit, extension: RunExtension | undefined): WorkerInit {
  const keys = [...planKeys(config), ...(extension?.keys ?? [])];
  return { format, maxRecordBytes: config.maxRecordBytes, keys, sha256: sha256Implementation(), ...(extension?.shared ? { shared: extension.shared } : {}) };
}

/** The input's raw size, when every part knows its own. */
function totalSize(parts: readonly SourcePart[]): number | undefined {
  let total = 0;
  for (const part of parts) {
    const size = part.size?.();
    if (size === undefined) return undefined;
    total += size;
  }
  return parts.length > 0 ? total : undefined;
}
