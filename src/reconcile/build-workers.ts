/**
 * Where an index build's chunks are read (src/worker/lookup-build.ts): in worker threads of the
 * build's own, each chunk moved in and its extract moved back, answers in the order asked; or in
 * this thread (workers: 0, and the tests that run src/). The workers run the built module
 * (dist/worker/lookup-build-entry.js) with the build's plan as workerData.
 */
import { Worker } from 'node:worker_threads';
import { RunError } from '../errors/errors.js';
import { fromWire } from '../errors/wire.js';
import type { WireError } from '../protocol/messages.js';
import { ProfileExtractor, type ChunkExtract, type ExtractPlan } from '../worker/lookup-build.js';

/** Reads the chunks of one build, in this thread or in workers; `read` answers in the order asked. */
export interface ChunkReader {
  /** `spare`: a result buffer already added to the index, to be filled again. */
  read(buffer: ArrayBuffer, length: number, spare?: ArrayBuffer): Promise<ChunkExtract>;
  close(): Promise<void>;
}

export function inThread(plan: ExtractPlan): ChunkReader {
  const extractor = new ProfileExtractor(plan);
  return {
    read: async (buffer, length, spare) => {
      const result = extractor.extract(Buffer.from(buffer, 0, length), length, spare);
      result.chunk = buffer;
      return result;
    },
    close: async () => {},
  };
}

export function inWorkers(plan: ExtractPlan, count: number): ChunkReader {
  const entry = new URL('../worker/lookup-build-entry.js', import.meta.url);
  const pending = new Map<number, { resolve: (r: ChunkExtract) => void; reject: (e: unknown) => void }>();
  let failure: unknown;
  const workers = Array.from({ length: count }, () => {
    const w = new Worker(entry, { workerData: plan });
    w.on('message', (m: { id: number; result?: ChunkExtract; error?: WireError }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p?.reject(fromWire(m.error));
      else p?.resolve(m.result as ChunkExtract);
    });
    w.on('error', (err) => {
      failure = new RunError('ERR_WORKER', `a profile index worker stopped: ${err.message}`, err);
      for (const p of pending.values()) p.reject(failure);
      pending.clear();
    });
    return w;
  });
  let next = 0;
  return {
    read(buffer, length, spare) {
      if (failure !== undefined) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        workers[id % count].postMessage({ id, buffer, length, spare }, spare === undefined ? [buffer] : [buffer, spare]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
