/**
 * The run's routed path (src/pipeline/run-process.ts calls it when an option asks for splits,
 * partitions, dedup or AAM inbound output): the workers report each written record's output
 * offsets, line and probe values (ChunkPlan.recordEnds, ChunkPlan.probes), and the routing
 * stage (route-run.ts) writes the run's files in place of the one sink.
 */
import type { ProcessConfig } from '../config/types.js';
import { ConfigError } from '../errors/errors.js';
import type { RoutedOutput } from '../outputs/file-targets.js';
import type { OutputFileInfo } from '../outputs/output-files.js';
import type { OutputSet } from '../outputs/output-set.js';
import type { BufferPool } from '../pool/buffer-pool.js';
import type { ChunkPool } from '../pool/chunk-pool.js';
import type { ChunkPlan, ColumnOp } from '../protocol/messages.js';
import { RejectsWriter } from '../report/rejects-writer.js';
import type { RunAccounting } from '../report/run-report.js';
import type { Logger } from '../util/logger.js';
import { accountedChunks, type AccountOptions } from './account.js';
import { ChunkDispatch, dispatched } from './dispatch.js';
import type { OpenedInputs } from './inputs.js';
import type { OutputDesign } from './plan-output.js';
import type { ProgressMeter } from './progress.js';
import { RejectLimit, type Delivered } from './reject-limit.js';
import { routeOutput } from './route-run.js';
import { outputNaming, type OutputNaming } from '../outputs/naming.js';
import { probePlan, type RouteSettings } from './route-settings.js';
import type { ProcessDeps } from './run-process.js';

interface RoutedStage {
  readonly deps: ProcessDeps;
  readonly columns: readonly ColumnOp[];
  readonly inputName: string | undefined;
  readonly inputs: OpenedInputs;
  /** The converting path's plan and header (src/pipeline/plan-output.ts): probes need it. */
  readonly output: OutputDesign;
  readonly pool: ChunkPool;
  readonly buffers: BufferPool;
  readonly maxInFlight: number;
  readonly outputs: OutputSet;
  readonly accounting: RunAccounting;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly progress: ProgressMeter | undefined;
}

/**
 * A routed run (src/pipeline/route-run.ts): the workers report each written record's output
 * offsets, line and probe values, and the routing stage writes the run's files in place of the
 * one sink. Options that make several files need a directory or file --out (exit 2 otherwise).
 */
export async function routed(config: ProcessConfig, settings: RouteSettings, s: RoutedStage): Promise<void> {
  const { columns: names, lineEnd } = s.inputs.start;
  const probes = probePlan(settings, names);
  // A library caller of runProcess that gives only openSink (RunEndpoints.files() is the usual openFiles).
  if (s.deps.openFiles === undefined) throw new ConfigError('runProcess: splits, partitions, dedup and AAM inbound output need deps.openFiles (e.g. RunEndpoints.files)', 'openFiles');
  const out = await s.deps.openFiles(s.inputName);
  const several = [settings.splitRows && '--split-rows', settings.splitBytes && '--split-bytes', settings.partitionBy && '--partition-by', settings.writeInfo && '--write-info'].filter(Boolean);
  if (out.target.single && several.length > 0) {
    throw new ConfigError(`${several.join(', ')} write several files: --out must be a directory or a file path, not ${out.target.description}`, 'out');
  }
  // Names first: a bad name option stops the run before any output (exit 2).
  const naming: Pick<OutputNaming, 'name' | 'gzip'> = out.target.single ? { name: () => out.target.description, gzip: settings.gzip } : runNaming(config, out, s.inputName);
  const files = s.outputs.group();
  const plan: ChunkPlan = { id: 1, fieldCount: names.length, columns: s.columns, lineEnd, output: s.output.plan, recordEnds: true, probes: probes.fields };
  const rejects = s.deps.rejects ?? (config.rejects ? new RejectsWriter(config.rejects) : undefined);
  const duplicates = settings.duplicates ? new RejectsWriter(settings.duplicates, 'duplicates', 'ERR_DUPLICATES') : undefined;
  for (const w of [rejects, duplicates]) {
    if (w === undefined) continue;
    s.outputs.add(w);
    await w.open();
  }
  s.progress?.start();
  const dispatch = new ChunkDispatch(s.pool, plan, s.buffers);
  // A direct output (stdout, a FIFO) has its records already: --max-rejects says how many.
  const tally = { records: 0, bytes: 0 };
  const delivered = async (): Promise<Delivered | undefined> => (out.target.direct ? { ...tally, output: out.target.description } : undefined);
  const options: AccountOptions = {
    accounting: s.accounting,
    columns: names,
    rejects,
    rejectLimit: new RejectLimit(config.maxRejects),
    delivered,
    buffers: s.buffers,
    poolError: () => s.pool.poolError,
    onRecordsOut: () => {},
    log: s.log,
  };
  const chunks = accountedChunks(dispatched(s.inputs.files(), dispatch, s.maxInFlight), options);
  // json5 and the .info code load only for --write-info.
  const batch = settings.writeInfo ? await import('../batch/info.js') : undefined;
  const info = batch ? { lineCounter: () => new batch.LineCounter(), info: (files: readonly OutputFileInfo[]) => infoFile(batch, files) } : {};
  await routeOutput(chunks, {
    ...info,
    settings,
    probes,
    target: out.target,
    naming,
    files,
    ...(s.output.header ? { header: s.output.header } : {}),
    gzip: naming.gzip,
    tally,
    release: (buffer) => dispatch.release(buffer),
    accounting: s.accounting,
    rejects,
    duplicates,
    signal: s.signal,
  });
  // Records rejected by the routing stage after the last chunk was counted (pass 2 of --dedup-order).
  await options.rejectLimit.atEnd(s.accounting, options.delivered);
}

/**
 * `--write-info`: the AAM transfer-control file of the files written, named after the batch (the
 * first file's name without its part number: `ftp_dpm_1234_1700000000.sync.gz` for parts
 * `...sync.1.gz`, `...sync.2.gz`), which `audience-pipe verify` accepts.
 */
function infoFile(info: typeof import('../batch/info.js'), files: readonly OutputFileInfo[]): { name: string; body: string } {
  const batch = files[0].name.replace(/\.\d+(\.gz)?$/i, '$1');
  return { name: info.infoNameFor(batch), body: info.infoBody(files.map((f) => ({ name: f.name, bytes: f.bytes, lines: f.lines ?? f.records, md5: f.md5 })), batch) };
}

/**
 * The names of a routed run's files (src/outputs/naming.ts): an `--out` that names a file gives
 * the first part's name, as `--name` would.
 */
function runNaming(config: ProcessConfig, out: RoutedOutput, inputName: string | undefined): OutputNaming {
  const name = config.transport.name ?? out.name;
  return outputNaming({ ...config, transport: { ...config.transport, ...(name === undefined ? {} : { name }) } }, inputName, new Date());
}
