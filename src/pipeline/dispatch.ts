/**
 * The stage that does the work: each file's chunks go to the pool with the run's plan and a
 * spare output buffer, at most `maxInFlight` at a time, and come back in input order (the
 * ordered merge, ./in-order.ts). A file's chunks are all back before the next file is opened,
 * so a file that fails to open fails once everything before it is out.
 */
import type { BufferPool } from '../pool/buffer-pool.js';
import type { ChunkPool } from '../pool/chunk-pool.js';
import type { ChunkPlan, ChunkResult } from '../protocol/messages.js';
import type { FramedItem } from './chunker.js';
import { inOrder } from './in-order.js';

/**
 * A framed item once its work is done: chunks come back from the pool, the rest as they were;
 * `file` starts each input file.
 */
export type Done = { kind: 'records'; result: ChunkResult } | { kind: 'file' } | Exclude<FramedItem, { kind: 'records' }>;

export class ChunkDispatch {
  /** Output size relative to input, from the chunks so far: sizes the spare output buffers. */
  private outputRatio = 1.5;
  /** Output buffers that came from workers: only these go back to the buffer pool once written. */
  private readonly fromWorkers = new WeakSet<ArrayBuffer>();
  /** With gzip the worker keeps its own output buffer; compressed members are not recycled. */
  private readonly recycles: boolean;

  constructor(
    private readonly pool: ChunkPool,
    private readonly plan: ChunkPlan,
    private readonly buffers: BufferPool,
  ) {
    this.recycles = plan.gzipLevel === undefined;
  }

  /** Chunks go to the pool; the other items need no work. */
  run(item: FramedItem): Promise<Done> {
    if (item.kind !== 'records') return Promise.resolve(item);
    const spare = this.recycles ? this.buffers.take(Math.ceil(item.length * this.outputRatio * 1.05) + 1024) : undefined;
    return this.pool.run(this.plan, item.buffer, item.length, spare).then((result) => {
      if (this.recycles) this.fromWorkers.add(result.out);
      this.outputRatio = Math.max(0.5, result.outLength / Math.max(1, item.length));
      return { kind: 'records', result };
    });
  }

  /** An output chunk the sink is done with: its buffer serves again when a worker's. */
  release(chunk: Buffer): void {
    if (this.fromWorkers.delete(chunk.buffer as ArrayBuffer)) this.buffers.give(chunk.buffer as ArrayBuffer);
  }
}

export async function* dispatched(files: AsyncIterable<AsyncIterable<FramedItem>>, dispatch: ChunkDispatch, maxInFlight: number): AsyncGenerator<Done> {
  for await (const items of files) {
    yield { kind: 'file' };
    yield* inOrder(items, (item) => dispatch.run(item), maxInFlight);
  }
}
