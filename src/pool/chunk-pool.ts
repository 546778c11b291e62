/**
 * Main-thread side of the worker pool: starts Piscina on the built worker entry and sends it
 * chunks as transferred ArrayBuffers.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ChunkResult, WorkerInit } from './messages.js';

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

  /** Sends the chunk (the buffer is transferred and unusable afterwards). */
  run(buffer: ArrayBuffer, length: number, signal?: AbortSignal): Promise<ChunkResult> {
    return this.piscina.run({ buffer, length }, { transferList: [buffer], signal });
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
