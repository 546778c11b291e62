/**
 * SHA-256 of every hashed value of a chunk in one call. Values are queued as bytes while the
 * chunk is scanned, each with the 64-byte slot it reserved in the output; `fill` then writes all
 * the lowercase hex digests at once.
 *
 * The work is done by native/sha256_batch.node (built by `npm ci`, see scripts/build-native.mjs):
 * OpenSSL's SHA-256 in a loop, 61 ns a value against 230 ns for `crypto.hash` per value, whose
 * per-call cost is most of the time for a 20-40 byte value (bench: "sha256" in
 * bench/stages.bench.mjs). Without the addon, `fill` falls back to `crypto.hash` per value; the
 * two are proven equal by test/sha256-batch.test.ts.
 */
import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Bytes, IntColumns, latin1Write } from './byte-buffers.js';

type NativeBatch = (src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, out: Uint8Array, slots: Int32Array) => void;

/** Length of a digest in hex, the size of every slot. */
export const SHA256_HEX = 64;

function loadNative(): NativeBatch | undefined {
  try {
    // dist/transforms/ and src/transforms/ are both two levels below the package root.
    const addon = createRequire(import.meta.url)('../../native/build/Release/sha256_batch.node') as { sha256HexBatch?: NativeBatch };
    return typeof addon.sha256HexBatch === 'function' ? addon.sha256HexBatch : undefined;
  } catch {
    return undefined;
  }
}

const NATIVE = loadNative();

/** Whether the native addon loaded in this thread (false: `crypto.hash` per value). */
export const NATIVE_SHA256_BATCH = NATIVE !== undefined;

export class Sha256Batch {
  /** The queued values' bytes, back to back. */
  private readonly input = new Bytes(1 << 16);
  /** Per value: start and end in `input`, slot in the output. */
  private readonly items = new IntColumns(3);
  private readonly native: NativeBatch | undefined;

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

  /** Ends the value begun at `at`, `end` being its end in `bytes`; its digest goes to `out[slot, slot + 64)`. */
  commit(at: number, end: number, slot: number): void {
    this.input.used = end;
    this.items.push(at, end, slot);
  }

  /** Queues a string's UTF-8 bytes. */
  addText(text: string, slot: number): void {
    const at = this.begin(text.length * 3);
    this.commit(at, at + this.input.bytes.write(text, at, 'utf8'), slot);
  }

  /** Queues a string of code points below 256, one byte each (an E.164 number, say). */
  addLatin1(text: string, slot: number): void {
    const at = this.begin(text.length);
    this.commit(at, at + latin1Write(this.input.bytes, text, at), slot);
  }

  /** Drops the values queued after the first `count` (a record that was rejected). */
  truncate(count: number): void {
    if (count >= this.items.count) return;
    this.input.used = this.items.cols[0][count];
    this.items.count = count;
  }

  /** Writes every queued digest into `out` and empties the queue. */
  fill(out: Buffer): void {
    const n = this.items.count;
    if (n === 0) return;
    const [starts, ends, slots] = this.items.cols;
    const src = this.input.bytes;
    if (this.native !== undefined) {
      this.native(src, starts, ends, n, out, slots);
    } else {
      for (let i = 0; i < n; i++) latin1Write(out, hash('sha256', src.subarray(starts[i], ends[i]), 'hex'), slots[i]);
    }
    this.items.count = 0;
    this.input.used = 0;
  }
}
