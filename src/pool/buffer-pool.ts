/**
 * Main-thread pool of transferable ArrayBuffers. Workers hand each chunk's input buffer back
 * with its result, and each output buffer comes back once the sink has written it, so after
 * warm-up the run reuses a few buffers instead of allocating (and page-faulting, and later
 * collecting) fresh megabytes per chunk.
 */
const GRAIN = 64 * 1024;

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private retained = 0;

  constructor(private readonly maxRetainedBytes: number) {}

  /** A buffer of at least `size` bytes: the smallest free one that fits, else a new one. */
  take(size: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const len = this.free[i].byteLength;
      if (len >= size && (best === -1 || len < this.free[best].byteLength)) best = i;
    }
    if (best !== -1 && this.free[best].byteLength <= 2 * size + GRAIN) {
      const found = this.free[best];
      this.free.splice(best, 1);
      this.retained -= found.byteLength;
      return found;
    }
    // Rounded up so that buffers fit the next chunks too. Not zero-filled, and an ArrayBuffer
    // of its own (not a slice of Node's shared pool), so it can be transferred.
    return Buffer.allocUnsafeSlow(Math.ceil(size / GRAIN) * GRAIN + GRAIN).buffer as ArrayBuffer;
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0 || this.retained + buffer.byteLength > this.maxRetainedBytes) return;
    this.free.push(buffer);
    this.retained += buffer.byteLength;
  }
}
