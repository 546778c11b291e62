/**
 * End-to-end measurement shared by `audience-pipe bench` and bench/e2e.mjs: a seeded input
 * file, then every job run as a child process, round-robin (job A, B, C, A, B, C, ...), so that
 * a slow spell of the machine hits every job alike; figures are medians over the rounds.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { RunError } from '../../errors/errors.js';
import { generateAudienceStream } from '../generate/audience.js';
import { measureChild, type MemoryMethod } from './measure.js';
import { median } from './table.js';

export interface E2eJob {
  readonly id: string;
  readonly label: string;
  /** Full argv, program first. */
  readonly argv: readonly string[];
  /** Removed after each run so that outputs do not pile up on disk. */
  readonly output?: string;
  readonly workers?: number;
}

export interface E2eRun {
  readonly wallMs: number;
  readonly peakRssBytes: number | undefined;
  readonly cpuMs: number | undefined;
}

export interface E2eJobResult {
  readonly id: string;
  readonly label: string;
  readonly workers?: number;
  readonly runs: readonly E2eRun[];
  readonly medianWallMs: number;
  /** The fastest run: on a shared machine, the one least slowed by other work. */
  readonly bestWallMs: number;
  readonly rowsPerSec: number;
  /** Input megabytes (10^6 bytes) per second. */
  readonly mbPerSec: number;
  /** Highest peak RSS over the runs. */
  readonly peakRssBytes: number | undefined;
  /** Median CPU time (all threads) per run, when measured. */
  readonly medianCpuMs: number | undefined;
}

export interface E2eInput {
  readonly path: string;
  readonly rows: number;
  readonly bytes: number;
}

export class BenchRunError extends RunError {
  constructor(message: string) {
    super('ERR_BENCH_RUN', message);
  }
}

/** The built CLI next to this module (dist/cli/main.js). */
function cliPath(): string {
  return fileURLToPath(new URL('../../cli/main.js', import.meta.url));
}

/** argv of one `audience-pipe process` run, file to file, quiet. */
export function processArgv(input: string, output: string, workers: number, transformArgs: readonly string[]): string[] {
  return [process.execPath, cliPath(), 'process', '--in', input, '--out', output, '--workers', String(workers), '--log-level', 'warn', '--no-progress', ...transformArgs];
}

/** Writes `rows` seeded rows to `path` (via a temporary name, so a present file is always complete). */
export async function generateInput(path: string, rows: number, seed: number): Promise<E2eInput> {
  const part = `${path}.${process.pid}.part`;
  try {
    await pipeline(generateAudienceStream({ rows, seed }), createWriteStream(part));
    await rename(part, path);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return { path, rows, bytes: (await stat(path)).size };
}

/** Reads the file once so that the first timed run does not pay for the disk alone. */
export async function warmPageCache(path: string): Promise<void> {
  const stream = createReadStream(path, { highWaterMark: 8 << 20 });
  for await (const _ of stream) {
    // Reading is the point.
  }
}

export async function runAlternating(
  jobs: readonly E2eJob[],
  input: E2eInput,
  options: { reps: number; method: MemoryMethod; onRun?: (job: E2eJob, rep: number, run: E2eRun) => void },
): Promise<E2eJobResult[]> {
  const runs = new Map<string, E2eRun[]>(jobs.map((j) => [j.id, []]));
  for (let rep = 0; rep < options.reps; rep++) {
    for (const job of jobs) {
      const r = await measureChild(job.argv, { method: options.method });
      if (job.output) await rm(job.output, { force: true });
      if (r.exitCode !== 0) {
        throw new BenchRunError(`${job.label}: exited with ${r.exitCode ?? r.signal}: ${r.stderrTail.trim().split('\n').slice(-5).join('\n')}`);
      }
      const run = { wallMs: r.wallMs, peakRssBytes: r.peakRssBytes, cpuMs: r.cpuMs };
      runs.get(job.id)!.push(run);
      options.onRun?.(job, rep, run);
    }
  }
  return jobs.map((job) => summarise(job, runs.get(job.id)!, input));
}

function summarise(job: E2eJob, runs: readonly E2eRun[], input: E2eInput): E2eJobResult {
  const wall = median(runs.map((r) => r.wallMs));
  const peaks = runs.map((r) => r.peakRssBytes).filter((p): p is number => p !== undefined);
  const cpu = runs.map((r) => r.cpuMs).filter((c): c is number => c !== undefined);
  return {
    id: job.id,
    label: job.label,
    workers: job.workers,
    runs,
    medianWallMs: wall,
    bestWallMs: Math.min(...runs.map((r) => r.wallMs)),
    rowsPerSec: (input.rows / wall) * 1000,
    mbPerSec: input.bytes / 1e6 / (wall / 1000),
    peakRssBytes: peaks.length > 0 ? Math.max(...peaks) : undefined,
    medianCpuMs: cpu.length > 0 ? median(cpu) : undefined,
  };
}
