/**
 * Main-thread side of the worker pool: starts Piscina on the built worker entry and sends it
 * chunks as transferred ArrayBuffers.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ChunkResult, ChunkTask, WorkerInit } from './messages.js';

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

export class ChunkPool {
  private readonly piscina: Piscina;

  constructor(init: WorkerInit, workers: number) {
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      workerData: init,
      minThreads: workers,
      maxThreads: workers,
      // The pipeline bounds chunks in flight itself; the queue never needs to hold more.
      maxQueue: 'auto',
      idleTimeout: 60_000,
      // One chunk at a time per worker: the transform core is synchronous and reuses scratch space.
      concurrentTasksPerWorker: 1,
    });
  }

  /** Sends the chunk, and a spare buffer for its output (both transferred, unusable afterwards). */
  run(buffer: ArrayBuffer, length: number, spare: ArrayBuffer | undefined, signal?: AbortSignal): Promise<ChunkResult> {
    const task: ChunkTask = spare ? { buffer, length, spare } : { buffer, length };
    return this.piscina.run(task, { transferList: spare ? [buffer, spare] : [buffer], signal });
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
