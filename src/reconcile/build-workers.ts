/**
 * Where an index build's chunks are read (src/worker/lookup-build.ts): in worker threads of the
 * build's own, each chunk moved in and its extract moved back, answers in the order asked (this
 * thread reading its share when it has a core of its own, see inWorkers); or in this thread
 * alone (workers: 0, and the tests that run src/). The workers run the built module
 * (dist/worker/lookup-build-entry.js) with the build's plan as workerData.
 */
import { getCompileCacheDir } from 'node:module';
import { Worker } from 'node:worker_threads';
import { RunError } from '../errors/errors.js';
import { fromWire } from '../errors/wire.js';
import type { WireError } from '../protocol/messages.js';
import { ProfileExtractor, type ChunkExtract, type ExtractPlan } from '../worker/lookup-build.js';
import type { BuildWorkerData } from '../worker/lookup-build-entry.js';

/** Reads the chunks of one build, in this thread or in workers; `read` answers in the order asked. */
export interface ChunkReader {
  /** `spare`: a result buffer already added to the index, to be filled again. */
  read(buffer: ArrayBuffer, length: number, spare?: ArrayBuffer): Promise<ChunkExtract>;
  close(): Promise<void>;
  /** Chunks this thread read itself (inWorkers with shareMain). */
  readonly readHere?: number;
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

/**
 * `shareMain`: this thread reads a chunk itself when every worker already has two waiting (on a
 * machine with a core for each worker and one for this thread, which otherwise only waits for
 * them between its inserts): one worker fewer to start and warm up for the same work.
 */
export function inWorkers(plan: ExtractPlan, count: number, shareMain = false): ChunkReader {
  const entry = new URL('../worker/lookup-build-entry.js', import.meta.url);
  const pending = new Map<number, { resolve: (r: ChunkExtract) => void; reject: (e: unknown) => void }>();
  let failure: unknown;
  /** Chunks sent to each worker and not answered yet. */
  const waiting = new Array<number>(count).fill(0);
  let here: ProfileExtractor | undefined;
  const workers = Array.from({ length: count }, (_, n) => {
    const w = new Worker(entry, { workerData: { plan, compileCache: getCompileCacheDir?.() } satisfies BuildWorkerData });
    w.on('message', (m: { id: number; result?: ChunkExtract; error?: WireError }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      waiting[n]--;
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
  let readHere = 0;
  return {
    get readHere() {
      return readHere;
    },
    read(buffer, length, spare) {
      if (failure !== undefined) return Promise.reject(failure);
      // The worker with the fewest chunks waiting (the lowest number on a tie).
      let n = 0;
      for (let i = 1; i < count; i++) if (waiting[i] < waiting[n]) n = i;
      if (shareMain && waiting[n] >= 2) {
        here ??= new ProfileExtractor(plan);
        readHere++;
        try {
          const result = here.extract(Buffer.from(buffer, 0, length), length, spare);
          result.chunk = buffer;
          return Promise.resolve(result);
        } catch (err) {
          return Promise.reject(err);
        }
      }
      const id = next++;
      waiting[n]++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        workers[n].postMessage({ id, buffer, length, spare }, spare === undefined ? [buffer] : [buffer, spare]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
