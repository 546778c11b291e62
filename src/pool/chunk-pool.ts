/**
 * Main-thread side of the worker pool: starts Piscina on the built worker entry and sends it
 * chunks as transferred ArrayBuffers.
 */
import { getCompileCacheDir } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ChunkPlan, ChunkResult, ChunkTask, SharedCheckResult, SharedCheckTask, WorkerInit } from '../protocol/messages.js';
import type { AudiencePipeError } from '../errors/errors.js';
import { fromWire } from '../errors/wire.js';
import { forwardWorkerStdio } from './worker-stdio.js';

const WORKER_FILE = fileURLToPath(new URL('../worker/boot.js', import.meta.url));

/**
 * Piscina loads the entry with require() first, and Node 24 runs require() of an ES module
 * through a facade that now and then aborts the whole process as a worker starts (assertion in
 * CreateRequiredModuleFacade, SIGABRT: 2 of 1,700 pools started and closed in a loop, and test
 * runs of the suite). Without require(esm) in the workers that require() fails at once, and
 * Piscina imports the entry instead.
 */
export const WORKER_EXEC_ARGV: readonly string[] = [...process.execArgv, '--no-experimental-require-module'];

/** The main thread's compile cache, if it has one, for the workers to use too (src/worker/boot.ts). */
function withCompileCache(init: WorkerInit): WorkerInit {
  const compileCache = getCompileCacheDir?.();
  return compileCache === undefined ? init : { ...init, compileCache };
}

export class ChunkPool {
  private readonly piscina: Piscina;

  constructor(init: WorkerInit, workers: number) {
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      workerData: withCompileCache(init),
      minThreads: workers,
      maxThreads: workers,
      // The pipeline bounds the chunks in flight (2 x workers + 1) itself.
      maxQueue: Number.POSITIVE_INFINITY,
      idleTimeout: 60_000,
      // Two chunks handed to each worker, so the next one is already there when a chunk is done
      // (no round trip through the main thread). They still run one after the other: the
      // handler is synchronous, and no result refers to the processor's reused scratch space.
      concurrentTasksPerWorker: 2,
      // A worker's garbage is short-lived strings of one chunk: a 4 MB young generation keeps
      // ~20 MB less resident per run than V8's default at the same speed (full job, 2M rows).
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      execArgv: [...WORKER_EXEC_ARGV],
    });
    // Piscina emits 'error' for a reply whose task it no longer tracks, which happens when the
    // pool is destroyed while a worker is finishing a chunk (a run cut short by `| head`). An
    // unhandled 'error' event would crash the process; such replies are of no interest then.
    this.piscina.on('error', (err: Error) => {
      if (!this.closing) this.poolError ??= fromWire(err);
    });
    // The first workers exist once the constructor returns; a replacement announces itself.
    const adoptThreads = (): void => {
      for (const worker of this.piscina.threads) forwardWorkerStdio(worker);
    };
    adoptThreads();
    this.piscina.on('workerCreate', adoptThreads);
  }

  private closing = false;
  /** An error the pool reported outside any task; the run fails with it. */
  poolError: AudiencePipeError | undefined;

  /**
   * Sends the chunk, and a spare buffer for its output (both transferred, unusable afterwards).
   * No abort signal per task: aborting a running Piscina task races with its reply ("Unexpected
   * message from Worker", thrown where no one can catch it). A failed run destroys the pool.
   */
  run(plan: ChunkPlan, buffer: ArrayBuffer, length: number, spare: ArrayBuffer | undefined): Promise<ChunkResult> {
    const task: ChunkTask = spare ? { kind: 'chunk', plan, buffer, length, spare } : { kind: 'chunk', plan, buffer, length };
    return this.piscina.run(task, { transferList: spare ? [buffer, spare] : [buffer] }).catch((err: unknown) => {
      throw fromWire(err);
    });
  }

  /** What one worker reads of the shared region `name` (WorkerInit.shared). */
  checkShared(name: string): Promise<SharedCheckResult> {
    const task: SharedCheckTask = { kind: 'shared-check', name };
    return this.piscina.run(task).catch((err: unknown) => {
      throw fromWire(err);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.piscina.destroy();
  }
}
