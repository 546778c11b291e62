/**
 * Entry of a profile index build's worker thread (started by src/reconcile/index-build.ts with
 * the build's ExtractPlan as workerData): each message is a chunk of whole records, moved in;
 * the answer is its ChunkExtract, moved out, or the error in wire form (classes do not survive
 * structured cloning). Imports only worker-side modules.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toWire } from '../errors/wire.js';
import { ProfileExtractor, transferList, type ExtractPlan } from './lookup-build.js';

/** A chunk to read: bytes [0, length) of `buffer`. */
export interface BuildChunk {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
  /** A result buffer the main thread is done with, to be filled again. */
  readonly spare?: ArrayBuffer;
}

const extractor = new ProfileExtractor(workerData as ExtractPlan);
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
