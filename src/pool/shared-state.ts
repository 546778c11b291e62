/**
 * Main-thread side of the read-only state every worker reads in place (a profile index, a
 * plan written once the header is known): named regions of shared memory, created before the
 * pool starts and handed to each worker in `WorkerInit.shared`. Since the workers hold the same
 * memory and not a copy, content can be published after they started.
 */
import { RunError } from '../errors/errors.js';
import { SHARED_GENERATION, SHARED_HEADER_BYTES, SHARED_LENGTH } from '../protocol/shared-layout.js';

export class SharedRegion {
  readonly buffer: SharedArrayBuffer;
  private readonly header: Int32Array;

  constructor(
    readonly name: string,
    /** Reserved address space only: a growable buffer takes memory as it grows. */
    readonly maxBytes: number,
  ) {
    this.buffer = new SharedArrayBuffer(SHARED_HEADER_BYTES, { maxByteLength: SHARED_HEADER_BYTES + maxBytes });
    this.header = new Int32Array(this.buffer, 0, 2);
  }

  /** Increases once per publish; what a worker compares to know it reads this content. */
  get generation(): number {
    return Atomics.load(this.header, SHARED_GENERATION);
  }

  /**
   * Replaces the content. Only between tasks that read it: workers read in place, so bytes
   * changed under a running task would be seen half old, half new.
   */
  publish(bytes: Uint8Array): number {
    if (bytes.length > this.maxBytes) {
      throw new RunError('ERR_INTERNAL', `shared state "${this.name}": ${bytes.length} bytes exceed the ${this.maxBytes} reserved`);
    }
    const needed = SHARED_HEADER_BYTES + bytes.length;
    if (this.buffer.byteLength < needed) this.buffer.grow(needed);
    new Uint8Array(this.buffer, SHARED_HEADER_BYTES, bytes.length).set(bytes);
    Atomics.store(this.header, SHARED_LENGTH, bytes.length);
    // Last: a worker that sees the new generation sees the bytes and length stored before it.
    return Atomics.add(this.header, SHARED_GENERATION, 1) + 1;
  }

  /**
   * Grows the buffer so that it holds `bytes` of content, for content written in place through
   * `buffer` (a profile index too large to be built once more for `publish` to copy); the
   * bytes already there stay. Then `publishWritten`.
   */
  ensureContent(bytes: number): void {
    if (bytes > this.maxBytes) {
      throw new RunError('ERR_INTERNAL', `shared state "${this.name}": ${bytes} bytes exceed the ${this.maxBytes} reserved`);
    }
    if (this.buffer.byteLength < SHARED_HEADER_BYTES + bytes) this.buffer.grow(SHARED_HEADER_BYTES + bytes);
  }

  /** `publish` of the first `length` bytes of content written in place (see `ensureContent`), with no copy. */
  publishWritten(length: number): number {
    this.ensureContent(length);
    Atomics.store(this.header, SHARED_LENGTH, length);
    return Atomics.add(this.header, SHARED_GENERATION, 1) + 1;
  }
}

/** The regions of one run, all created before the pool starts (workerData is fixed then). */
export class SharedState {
  private readonly regions = new Map<string, SharedRegion>();

  region(name: string, maxBytes: number): SharedRegion {
    if (this.regions.has(name)) throw new RunError('ERR_INTERNAL', `shared state "${name}" is defined twice`);
    const region = new SharedRegion(name, maxBytes);
    this.regions.set(name, region);
    return region;
  }

  /** What goes into `WorkerInit.shared`. */
  get buffers(): Readonly<Record<string, SharedArrayBuffer>> {
    return Object.fromEntries([...this.regions].map(([name, r]) => [name, r.buffer]));
  }
}
