/**
 * Main-side writer of a profile index's shared regions (layout: src/protocol/profile-index.ts).
 * Each region is appended to in place as the table is read, growing its SharedArrayBuffer (which
 * reserves address space only): the index is never built in private memory and then copied,
 * which would double its peak for a table of 10M profiles.
 */
import { RunError } from '../errors/errors.js';
import type { SharedRegion, SharedState } from '../pool/shared-state.js';
import { SHARED_HEADER_BYTES } from '../protocol/shared-layout.js';
import { indexRegion, M_HEADER_WORDS, M_SOURCE_WORDS } from '../protocol/profile-index.js';

/** An arena's offsets are Uint32: 4 GiB at most. */
const ARENA_MAX_BYTES = 2 ** 32 - 1;
const MIN_GROWTH = 1 << 20;

/** The regions of one index, defined before the pool starts (WorkerInit.shared is fixed then). */
export interface IndexRegions {
  readonly meta: SharedRegion;
  readonly fields: SharedRegion;
  readonly fieldEnds: SharedRegion;
  readonly keys: readonly SharedRegion[];
  readonly keyEnds: readonly SharedRegion[];
  readonly owners: readonly SharedRegion[];
  readonly slots: readonly SharedRegion[];
}

export function defineIndexRegions(state: SharedState, sourceCount: number): IndexRegions {
  const each = (name: (s: number) => string, maxBytes: number) => Array.from({ length: sourceCount }, (_, s) => state.region(name(s), maxBytes));
  return {
    meta: state.region(indexRegion.meta, 4 * (M_HEADER_WORDS + M_SOURCE_WORDS * sourceCount)),
    fields: state.region(indexRegion.fields, ARENA_MAX_BYTES),
    fieldEnds: state.region(indexRegion.fieldEnds, ARENA_MAX_BYTES),
    keys: each(indexRegion.keys, ARENA_MAX_BYTES),
    keyEnds: each(indexRegion.keyEnds, ARENA_MAX_BYTES),
    owners: each(indexRegion.owners, ARENA_MAX_BYTES),
    slots: each(indexRegion.slots, ARENA_MAX_BYTES),
  };
}

/** Bytes appended to a region in place. */
export class SharedBytesWriter {
  /** A Buffer over the shared memory (a ByteSink of src/worker/lookup-key.ts). */
  bytes: Buffer;
  used = 0;

  constructor(private readonly region: SharedRegion) {
    this.bytes = Buffer.from(region.buffer, SHARED_HEADER_BYTES, region.buffer.byteLength - SHARED_HEADER_BYTES);
  }

  /** Room for `n` more bytes at `used`; `bytes` may be a new view afterwards. */
  ensure(n: number): void {
    const need = this.used + n;
    if (need <= this.bytes.length) return;
    if (need > this.region.maxBytes) {
      throw new RunError('ERR_PROFILES', `the profile table is too large for one index: its ${this.region.name} would exceed ${this.region.maxBytes} bytes; split the table`);
    }
    const size = Math.min(this.region.maxBytes, Math.max(need, 2 * this.bytes.length, MIN_GROWTH));
    this.region.ensureContent(size);
    this.bytes = Buffer.from(this.region.buffer, SHARED_HEADER_BYTES, size);
  }

  /** Publishes what was written. */
  publish(): void {
    this.region.publishWritten(this.used);
  }
}

/** Uint32 words appended to a region in place. */
export class SharedWordsWriter {
  words: Uint32Array;
  count = 0;

  constructor(private readonly region: SharedRegion) {
    this.words = new Uint32Array(region.buffer, SHARED_HEADER_BYTES, (region.buffer.byteLength - SHARED_HEADER_BYTES) >>> 2);
  }

  push(v: number): void {
    if (this.count === this.words.length) this.grow(this.count + 1);
    this.words[this.count++] = v;
  }

  /** Room for `n` words in all. */
  grow(n: number): void {
    if (n <= this.words.length) return;
    const bytes = 4 * Math.max(n, 2 * this.words.length, MIN_GROWTH >>> 2);
    if (4 * n > this.region.maxBytes) {
      throw new RunError('ERR_PROFILES', `the profile table is too large for one index: its ${this.region.name} would exceed ${this.region.maxBytes} bytes; split the table`);
    }
    const size = Math.min(this.region.maxBytes - (this.region.maxBytes % 4), bytes);
    this.region.ensureContent(size);
    this.words = new Uint32Array(this.region.buffer, SHARED_HEADER_BYTES, size >>> 2);
  }

  publish(): void {
    this.region.publishWritten(4 * this.count);
  }
}
