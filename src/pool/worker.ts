/**
 * Piscina worker entry. Imports only the pure transform core and the message types: no
 * main-thread code runs in a worker. Input chunks arrive transferred; output bytes and reject
 * text go back transferred, not copied.
 */
import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { ChunkProcessor } from '../transforms/chunk-processor.js';
import type { ChunkResult, ChunkTask, WorkerInit } from './messages.js';

const processor = new ChunkProcessor(workerData as WorkerInit);

export default function processChunk(task: ChunkTask): ChunkResult {
  const result: ChunkResult = { ...processor.process(new Uint8Array(task.buffer, 0, task.length), task.length, task.spare), input: task.buffer };
  const transferable = {
    [transferableSymbol]: [result.out, result.rejects.raw, task.buffer],
    [valueSymbol]: result,
  };
  return move(transferable) as unknown as ChunkResult;
}
