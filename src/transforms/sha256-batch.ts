/**
 * SHA-256 of every hashed value of a chunk in one call. Values are queued as bytes while a column
 * is read; each gets its 64-byte slot in the output when its record is written (`place`), and
 * `fill` then writes all the lowercase hex digests at once. A value whose record was rejected by
 * a later column is never placed, and never hashed.
 *
 * The work is done by native/sha256_batch.node (built by `npm ci`, see scripts/build-native.mjs):
 * OpenSSL's SHA-256 in a loop, 61 ns a value against 230 ns for `crypto.hash` per value, whose
 * per-call cost is most of the time for a 20-40 byte value (bench: "sha256" in
 * bench/stages.bench.mjs). Without the addon, `fill` falls back to `crypto.hash` per value; the
 * two are proven equal by test/sha256-batch.test.ts.
 */
import { hash } from 'node:crypto';
import { Bytes, IntColumns, latin1Write } from './byte-buffers.js';
import { nativeFunction } from './native-addon.js';

type NativeBatch = (src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, out: Uint8Array, slots: Int32Array) => void;
interface NativeAddon {
  readonly hex: NativeBatch;
  /** Older builds of the addon have only the hex function: digests then come from `crypto.hash`. */
  readonly digest: NativeBatch | undefined;
}

/** Length of a digest in hex, the size of every slot. */
export const SHA256_HEX = 64;
/** Length of a raw digest. */
export const SHA256_BYTES = 32;

function loadNative(): NativeAddon | undefined {
  const hex = nativeFunction<NativeBatch>('sha256HexBatch');
  return hex === undefined ? undefined : { hex, digest: nativeFunction<NativeBatch>('sha256DigestBatch') };
}

const NATIVE = loadNative();

/** Whether the native addon loaded in this thread (false: `crypto.hash` per value). */
export const NATIVE_SHA256_BATCH = NATIVE !== undefined;

/**
 * The raw 32-byte SHA-256 of src[starts[i], ends[i]) to out[slots[i], slots[i] + 32) for every
 * i < count, in one addon call (or one `crypto.hash` a value without the addon): for a caller that
 * keeps its own queue, every value of which has its slot when it is queued (the profile index
 * build), without Sha256Batch's per-value bookkeeping.
 */
export function sha256DigestsInto(src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, out: Uint8Array, slots: Int32Array): void {
  const native = NATIVE?.digest;
  if (count > 0 && native !== undefined) native(src, starts, ends, count, out, slots);
  else for (let i = 0; i < count; i++) out.set(hash('sha256', src.subarray(starts[i], ends[i]), 'buffer'), slots[i]);
}

export class Sha256Batch {
  /** The queued values' bytes, back to back. */
  private readonly input = new Bytes(1 << 16);
  /** Per value: start and end in `input`, slot in the output. */
  private readonly items = new IntColumns(3);
  private readonly native: NativeAddon | undefined;

  /** `native: false` hashes with `crypto.hash` even when the addon loaded (the main side's choice). */
  constructor(opts: { native?: boolean } = {}) {
    this.native = opts.native === false ? undefined : NATIVE;
  }

  /** Whether `fill` uses the addon. */
  get isNative(): boolean {
    return this.native !== undefined;
  }

  /** Values queued. */
  get count(): number {
    return this.items.count;
  }

  /**
   * Starts a value: room for `maxBytes` of it; write them to `bytes` from `at`, then `commit`.
   * Returns `at`.
   */
  begin(maxBytes: number): number {
    this.input.ensure(maxBytes);
    return this.input.used;
  }

  /** The buffer `begin` made room in (valid until the next `begin`). */
  get bytes(): Buffer {
    return this.input.bytes;
  }

  /** Ends the value begun at `at`, `end` being its end in `bytes`; returns the value's number, for `place`. */
  commit(at: number, end: number): number {
    this.input.used = end;
    this.items.push(at, end, -1);
    return this.items.count - 1;
  }

  /** Queues a string's UTF-8 bytes. */
  addText(text: string): number {
    const at = this.begin(text.length * 3);
    return this.commit(at, at + this.input.bytes.write(text, at, 'utf8'));
  }

  /** Queues a string of code points below 256, one byte each (an E.164 number, say). */
  addLatin1(text: string): number {
    const at = this.begin(text.length);
    return this.commit(at, at + latin1Write(this.input.bytes, text, at));
  }

  /** Value `item`'s digest goes to `out[slot, slot + 64)` of the buffer given to `fill`. */
  place(item: number, slot: number): void {
    this.items.cols[2][item] = slot;
    this.placed++;
  }

  private placed = 0;

  /** Drops every queued value (a chunk that threw leaves nothing for the next). */
  clear(): void {
    this.items.count = 0;
    this.input.used = 0;
    this.placed = 0;
  }

  /** Writes every placed value's digest as 64 lowercase hex digits into `out` and empties the queue. */
  fill(out: Buffer): void {
    this.complete(out, this.native?.hex, (i, data) => latin1Write(out, hash('sha256', data, 'hex'), i));
  }

  /**
   * Writes every placed value's raw 32-byte digest into `out` (slots 32 bytes wide) and empties
   * the queue: for what compares digests rather than text (an index of hashed keys); hex is one
   * more step (`hexEncodeInto`).
   */
  fillDigests(out: Buffer): void {
    this.complete(out, this.native?.digest, (i, data) => out.set(hash('sha256', data, 'buffer'), i));
  }

  /** Hashes the placed values into `out` with the addon's function, or one `crypto.hash` a value. */
  private complete(out: Buffer, native: NativeBatch | undefined, one: (slot: number, data: Buffer) => void): void {
    if (this.placed < this.items.count) this.dropUnplaced();
    const n = this.items.count;
    const [starts, ends, slots] = this.items.cols;
    const src = this.input.bytes;
    if (n > 0 && native !== undefined) native(src, starts, ends, n, out, slots);
    else for (let i = 0; i < n; i++) one(slots[i], src.subarray(starts[i], ends[i]));
    this.clear();
  }

  /** Keeps only the placed values, in order. */
  private dropUnplaced(): void {
    const [starts, ends, slots] = this.items.cols;
    let kept = 0;
    for (let i = 0; i < this.items.count; i++) {
      if (slots[i] < 0) continue;
      starts[kept] = starts[i];
      ends[kept] = ends[i];
      slots[kept++] = slots[i];
    }
    this.items.count = kept;
  }
}
