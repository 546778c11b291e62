/**
 * Piscina worker entry. Imports only the record engine, the message types and the errors' wire
 * form: no main-thread code runs in a worker. Input chunks arrive transferred; output bytes and reject
 * text go back transferred, not copied.
 */
import { workerData } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { RecordEngine } from './record-engine.js';
import type { ChunkPlan, ChunkResult, ChunkTask, SharedCheckResult, WorkerInit, WorkerTask } from '../protocol/messages.js';
import { toWire } from '../errors/wire.js';
import { checkShared } from './shared-check.js';

const init = workerData as WorkerInit;
/**
 * A run has one plan: the processor is built for the first task that carries it, and kept. One
 * that cannot start fails every task with its error, in wire form like the others.
 */
let current: { readonly plan: number; readonly processor: RecordEngine } | undefined;
/** With gzip, the uncompressed output never leaves the worker: its buffer serves the next chunk. */
let ownSpare: ArrayBuffer | undefined;

export default function runTask(task: WorkerTask): ChunkResult | SharedCheckResult {
  try {
    switch (task.kind) {
      case 'chunk':
        return processChunk(task);
      case 'shared-check':
        return checkShared(init, task);
    }
  } catch (err) {
    throw toWire(err, task.kind === 'chunk' ? { thread: 'worker', chunkBytes: task.length } : { thread: 'worker', shared: task.name });
  }
}

function processorFor(plan: ChunkPlan): RecordEngine {
  if (current?.plan !== plan.id) current = { plan: plan.id, processor: new RecordEngine(init, plan) };
  return current.processor;
}

function processChunk(task: ChunkTask): ChunkResult {
  const { plan } = task;
  let result: ChunkResult = { ...processorFor(plan).process(new Uint8Array(task.buffer, 0, task.length), task.length, task.spare ?? ownSpare), input: task.buffer };
  if (plan.gzipLevel !== undefined) {
    ownSpare = result.out;
    const member = gzipSync(Buffer.from(result.out, 0, result.outLength), { level: plan.gzipLevel });
    result = { ...result, out: ownArrayBuffer(member), outLength: member.length };
  }
  const moved: ArrayBuffer[] = [result.out, result.rejects.raw, task.buffer];
  if (result.recordEnds) moved.push(result.recordEnds.buffer as ArrayBuffer);
  if (result.recordLines) moved.push(result.recordLines.buffer as ArrayBuffer);
  if (result.probes) moved.push(result.probes.bytes, result.probes.offsets.buffer as ArrayBuffer);
  const l = result.lookup;
  if (l) {
    moved.push(l.ids, l.idOffsets.buffer as ArrayBuffer, l.lines.buffer as ArrayBuffer, l.reasons.buffer as ArrayBuffer);
    if (l.plain) moved.push(l.plain.bytes, l.plain.offsets.buffer as ArrayBuffer, l.plain.sources.buffer as ArrayBuffer);
  }
  const transferable = {
    [transferableSymbol]: moved,
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
