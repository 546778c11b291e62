/**
 * Piscina worker entry. Imports only the pure transform core and the message types: no
 * main-thread code runs in a worker. Input chunks arrive transferred; output bytes and reject
 * text go back transferred, not copied.
 */
import { workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { ChunkProcessor } from './chunk-processor.js';
import type { ChunkResult, ChunkTask, SharedCheckResult, SharedCheckTask, WorkerInit } from '../protocol/messages.js';
import { toWire } from '../errors/wire.js';
import { checkShared } from './shared-check.js';

const init = workerData as WorkerInit;
// A processor that cannot start fails every task with its error, in wire form like the others.
let processor: ChunkProcessor | undefined;
let startFailure: unknown;
try {
  processor = new ChunkProcessor(init);
} catch (err) {
  startFailure = err;
}
/** With gzip, the uncompressed output never leaves the worker: its buffer serves the next chunk. */
let ownSpare: ArrayBuffer | undefined;

export default function handle(task: ChunkTask | SharedCheckTask): ChunkResult | SharedCheckResult {
  try {
    return 'kind' in task ? checkShared(init, task) : run(task);
  } catch (err) {
    throw toWire(err, 'kind' in task ? { thread: 'worker', shared: task.name } : { thread: 'worker', chunkBytes: task.length });
  }
}

function run(task: ChunkTask): ChunkResult {
  if (processor === undefined) throw startFailure;
  let result: ChunkResult = { ...processor.process(new Uint8Array(task.buffer, 0, task.length), task.length, task.spare ?? ownSpare), input: task.buffer };
  if (init.gzipLevel !== undefined) {
    ownSpare = result.out;
    const member = gzipSync(Buffer.from(result.out, 0, result.outLength), { level: init.gzipLevel });
    result = { ...result, out: ownArrayBuffer(member), outLength: member.length };
  }
  const transferable = {
    [transferableSymbol]: [result.out, result.rejects.raw, result.recordEnds.buffer, task.buffer],
    [valueSymbol]: result,
  };
  return move(transferable) as unknown as ChunkResult;
}

/** A small Buffer may be a slice of Node's shared pool, which must never be transferred. */
function ownArrayBuffer(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b.buffer as ArrayBuffer;
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own.buffer as ArrayBuffer;
}
