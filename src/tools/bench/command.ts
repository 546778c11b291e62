/**
 * `audience-pipe bench`: the end-to-end throughput of `process` on this machine, on generated
 * data, file to file, for each worker count asked for. Each run is a child process (so each has
 * its own peak memory); worker counts alternate run by run and the median is reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { buildProcessConfig, type RawOptions } from '../../config/load.js';
import { ConfigError, RunError } from '../../errors/errors.js';
import { AUDIENCE_HEADER } from '../generate/audience.js';
import { planColumns } from '../../pipeline/run-process.js';
import { BenchRunError, generateInput, processArgv, runAlternating, warmPageCache, type E2eJob, type E2eJobResult } from './e2e.js';
import { describeMachine, machineFacts } from './machine.js';
import { detectMemoryMethod, MEMORY_METHOD_TEXT } from './measure.js';
import { formatTable, grouped, megabytes } from './table.js';
import { createLogger } from '../../util/logger.js';
import { withExamples } from '../../cli/examples.js';
import { addTransformOptions, explicitOptions } from '../../cli/process-command.js';

const DEFAULT_ROWS = 1_000_000;
const DEFAULT_REPS = 3;
const DEFAULT_TRANSFORMS = ['--hash', 'email=email_lc_sha256'];

/** Transform options passed on to every `process` run, by their camelCase key. */
const PASSED_ON = ['hash', 'encrypt', 'decrypt', 'aesKeyFile', 'aesIv', 'cipherEncoding', 'defaultCountry', 'chunkSize', 'maxRecordBytes'] as const;

export function benchCommand(): Command {
  const cmd = new Command('bench')
    .description('measure end-to-end throughput (rows/s, MB/s, peak memory) of `process` on this machine, on generated data, per worker count')
    // A literal, not grouped(): toLocaleString's ICU start-up would cost every CLI run ~7 ms.
    .addOption(new Option('--rows <n>', 'rows of generated input (default: 1,000,000)'))
    .addOption(new Option('--reps <n>', `runs per worker count; the median is reported (default: ${DEFAULT_REPS})`))
    .addOption(new Option('--seed <s>', 'seed of the generated input (default: 1)'))
    .option('--json', 'print the results as JSON instead of a table');
  addTransformOptions(cmd);
  // `--workers` comes with the shared transform options; here it takes a list.
  const workers = cmd.options.find((o) => o.long === '--workers');
  if (workers) workers.description = 'worker counts to compare, comma-separated (default: 1 and the available cores)';
  cmd.action(async (_opts, command: Command) => {
    process.exitCode = await runBench(command);
  });
  return withExamples(cmd, [
    'audience-pipe bench --rows 2000000 --workers 1,2',
    'audience-pipe bench --hash email=email_lc_sha256 --hash phone=phone_sha256 --default-country US --json',
  ]);
}

interface BenchPlan {
  readonly rows: number;
  readonly reps: number;
  readonly seed: number;
  readonly workers: readonly number[];
  readonly transformArgs: readonly string[];
  readonly json: boolean;
  readonly logLevel: string;
}

function positiveInt(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(String(value).trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`--${option}: '${String(value)}' is not a whole number >= 1`, option);
  return n;
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Validates everything before any data is generated; configuration errors exit 2. */
function planBench(cli: RawOptions): BenchPlan {
  if (cli.delimiter !== undefined || cli.escape !== undefined) {
    throw new ConfigError(`--${cli.delimiter !== undefined ? 'delimiter' : 'escape'}: bench generates comma-separated RFC 4180 data; the dialect cannot be changed`, cli.delimiter !== undefined ? 'delimiter' : 'escape');
  }
  const cores = availableParallelism();
  const workers = cli.workers === undefined
    ? [...new Set([1, cores])]
    : [...new Set(String(cli.workers).split(',').map((w) => positiveInt(w, 'workers', 1)))];
  const transformArgs: string[] = [];
  for (const key of PASSED_ON) {
    const v = cli[key];
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) transformArgs.push(`--${kebab(key)}`, String(one));
  }
  const hasTransform = cli.hash !== undefined || cli.encrypt !== undefined || cli.decrypt !== undefined;
  if (!hasTransform) transformArgs.push(...DEFAULT_TRANSFORMS);
  const transformValues: RawOptions = {};
  for (const key of PASSED_ON) if (cli[key] !== undefined) transformValues[key] = cli[key];
  if (!hasTransform) transformValues.hash = [DEFAULT_TRANSFORMS[1]];
  const config = buildProcessConfig({ ...transformValues, logLevel: cli.logLevel, in: 'bench-input.csv', out: 'bench-output.csv' }, {});
  planColumns(config, AUDIENCE_HEADER.split(','));
  const seed = cli.seed === undefined ? 1 : Number(String(cli.seed).trim());
  if (!Number.isSafeInteger(seed)) throw new ConfigError(`--seed: '${String(cli.seed)}' is not a whole number`, 'seed');
  return {
    rows: positiveInt(cli.rows, 'rows', DEFAULT_ROWS),
    reps: positiveInt(cli.reps, 'reps', DEFAULT_REPS),
    seed,
    workers,
    transformArgs,
    json: cli.json === true,
    logLevel: config.logLevel,
  };
}

async function runBench(command: Command): Promise<number> {
  const plan = planBench(explicitOptions(command));
  const log = createLogger(plan.logLevel);
  const machine = machineFacts();
  const method = detectMemoryMethod();
  const dir = await mkdtemp(join(tmpdir(), 'audience-pipe-bench-'));
  try {
    log.info({ event: 'bench_generate', rows: plan.rows, seed: plan.seed }, `generating ${grouped(plan.rows)} rows`);
    const input = await generateInput(join(dir, 'audience.csv'), plan.rows, plan.seed);
    await warmPageCache(input.path);
    const output = join(dir, 'out.csv');
    const jobs: E2eJob[] = plan.workers.map((w) => ({
      id: `workers-${w}`,
      label: `${w} worker${w === 1 ? '' : 's'}`,
      workers: w,
      output,
      argv: processArgv(input.path, output, w, plan.transformArgs),
    }));
    let results: E2eJobResult[];
    try {
      results = await runAlternating(jobs, input, {
        reps: plan.reps,
        method,
        onRun: (job, rep, run) => log.info({ event: 'bench_run', workers: job.workers, rep: rep + 1, wallMs: Math.round(run.wallMs) }, `${job.label}: run ${rep + 1}/${plan.reps} took ${(run.wallMs / 1000).toFixed(2)} s`),
      });
    } catch (err) {
      if (err instanceof BenchRunError) throw new RunError(err.code, err.message, err);
      throw err;
    }
    if (plan.json) {
      const doc = { schema: 1, kind: 'audience-pipe-bench', date: new Date().toISOString(), machine, input: { rows: input.rows, bytes: input.bytes, seed: plan.seed }, transforms: plan.transformArgs, reps: plan.reps, memoryMethod: method, results };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      return 0;
    }
    const base = results[0];
    const rows = results.map((r) => [
      String(r.workers),
      `${(r.medianWallMs / 1000).toFixed(2)} s`,
      grouped(r.rowsPerSec),
      r.mbPerSec.toFixed(1),
      r.medianCpuMs === undefined ? 'n/a' : `${(r.medianCpuMs / 1000).toFixed(2)} s`,
      megabytes(r.peakRssBytes),
      `${(r.rowsPerSec / base.rowsPerSec).toFixed(2)}x`,
    ]);
    const lines = [
      formatTable(['workers', 'wall (median)', 'rows/s', 'MB/s', 'CPU (median)', 'peak RSS', `vs ${base.workers} worker${base.workers === 1 ? '' : 's'}`], rows),
      '',
      `input: ${grouped(input.rows)} generated rows (seed ${plan.seed}), ${(input.bytes / 1e6).toFixed(1)} MB; transforms: ${plan.transformArgs.join(' ')}`,
      `median of ${plan.reps} run${plan.reps === 1 ? '' : 's'} per worker count, alternating; each run a child process, file to file, wall time including start-up`,
      `${MEMORY_METHOD_TEXT[method]}; MB = 10^6 bytes of input`,
      `machine: ${describeMachine(machine)}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
