/**
 * Entry of a profile index build's worker thread (started by src/reconcile/build-workers.ts with
 * the build's ExtractPlan in its BuildWorkerData): each message is a chunk of whole records, moved in;
 * the answer is its ChunkExtract, moved out, or the error in wire form (classes do not survive
 * structured cloning). Imports only worker-side modules.
 *
 * The main thread's compile cache (the bin's, src/cli/main.ts) is turned on before the reading
 * modules load, as the process pool's workers do (src/worker/boot.ts): a worker does not share
 * it otherwise, and compiled them at each start.
 */
import { enableCompileCache } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { ExtractPlan } from './lookup-build.js';

export interface BuildWorkerData {
  readonly plan: ExtractPlan;
  /** The main thread's compile cache directory, if it has one. */
  readonly compileCache?: string;
}

/** A chunk to read: bytes [0, length) of `buffer`. */
export interface BuildChunk {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
  /** A result buffer the main thread is done with, to be filled again. */
  readonly spare?: ArrayBuffer;
}

const data = workerData as BuildWorkerData;
if (data.compileCache !== undefined) {
  try {
    enableCompileCache(data.compileCache);
  } catch {
    // A cache that cannot be set up only costs speed.
  }
}
const { ProfileExtractor, transferList } = await import('./lookup-build.js');
const { toWire } = await import('../errors/wire.js');

const extractor = new ProfileExtractor(data.plan);
const port = parentPort;
port?.on('message', (chunk: BuildChunk) => {
  try {
    const result = extractor.extract(Buffer.from(chunk.buffer, 0, chunk.length), chunk.length, chunk.spare);
    result.chunk = chunk.buffer;
    port.postMessage({ id: chunk.id, result }, transferList(result));
  } catch (err) {
    port.postMessage({ id: chunk.id, error: toWire(err, { thread: 'index-build' }) });
  }
});
