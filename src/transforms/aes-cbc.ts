/**
 * AES-CBC with PKCS#7 padding for Campaign data sources: ONE key and ONE IV for every record, so
 * equal plaintexts give equal ciphertexts (that is what makes reconciliation possible).
 *
 * Each record is its own CBC message (never one stream across records). A `createCipheriv` per
 * record costs microseconds, so a batch is encrypted "block-column-wise" through one reusable ECB
 * cipher object instead:
 *
 *   encrypt: pad every value (PKCS#7); for block index k = 0, 1, ... gather block k of every
 *            value that has one, XOR it with the IV (k = 0) or with that value's ciphertext
 *            block k-1, run all of them through ONE ECB `update()`, scatter the results back.
 *   decrypt: CBC decryption has no chain dependency on the cipher side, so all blocks of all
 *            values go through ONE ECB `update()`; then XOR with the previous ciphertext block
 *            (the IV for the first) and check/strip the padding per value.
 *
 * ECB with auto padding off keeps no state between `update()` calls, so the cipher objects are
 * created once per key and reused for every batch. Worker-side pure code: node builtins and the
 * error classes only.
 */
import { createCipheriv, createDecipheriv, type Cipheriv, type Decipheriv } from 'node:crypto';
import { RunError } from '../errors/errors.js';

export const BLOCK = 16;

/**
 * Once at most this many values are still active and at least TAIL_MIN_ROUNDS block rounds remain,
 * the rest of those (long) values is finished with one CBC cipher each: a round costs one
 * `update()` call whatever its size, a CBC cipher per value costs about three of them. This keeps
 * a single huge value from costing one `update()` per 16 bytes.
 */
const TAIL_MAX_VALUES = 2;
const TAIL_MIN_ROUNDS = 8;

/** Below this many bytes a JS loop copies faster than `set(subarray(...))` (no view object). */
const SMALL_COPY = 64;

const MAX_TOTAL = 0x7fffffff;

type Mode = 'cbc' | 'ecb';

/** Validates the key size and returns the OpenSSL cipher name. Never puts key bytes in messages. */
export function cipherName(key: Uint8Array, mode: Mode): string {
  if (!(key instanceof Uint8Array)) throw new RunError('ERR_INTERNAL', 'AES key must be a Uint8Array');
  switch (key.byteLength) {
    case 16:
      return `aes-128-${mode}`;
    case 24:
      return `aes-192-${mode}`;
    case 32:
      return `aes-256-${mode}`;
    default:
      throw new RunError('ERR_INTERNAL', 
        `AES key must be 16, 24 or 32 bytes (128, 192 or 256 bits); got ${key.byteLength} bytes`,
      );
  }
}

export function checkIv(iv: Uint8Array): void {
  if (!(iv instanceof Uint8Array)) throw new RunError('ERR_INTERNAL', 'AES IV must be a Uint8Array');
  if (iv.byteLength !== BLOCK) {
    throw new RunError('ERR_INTERNAL', `AES-CBC IV must be 16 bytes; got ${iv.byteLength} bytes`);
  }
}

function copyBytes(src: Uint8Array, s: number, e: number, dst: Uint8Array, pos: number): void {
  const n = e - s;
  if (n < SMALL_COPY) {
    for (let t = 0; t < n; t++) dst[pos + t] = src[s + t];
  } else {
    dst.set(src.subarray(s, e), pos);
  }
}

function checkBatchArgs(src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > starts.length || count > ends.length) {
    throw new RunError('ERR_INTERNAL', 
      `count ${count} out of range (starts: ${starts.length}, ends: ${ends.length})`,
    );
  }
  const n = src.length;
  for (let i = 0; i < count; i++) {
    const s = starts[i];
    const e = ends[i];
    if (!(s >= 0 && e >= s && e <= n)) {
      throw new RunError('ERR_INTERNAL', `value ${i}: byte range [${s}, ${e}) outside a buffer of ${n} bytes`);
    }
  }
}

function growBuffer(buf: Buffer, need: number): Buffer {
  if (buf.length >= need) return buf;
  return Buffer.allocUnsafeSlow(Math.max(need, buf.length * 2, 4096));
}

function growInt32(arr: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (arr.length >= need) return arr;
  return new Int32Array(Math.max(need, arr.length * 2, 256));
}

/** The ciphertext's length for a plaintext of `length` bytes (> 0): PKCS#7 always adds 1 to 16 bytes. */
export function cbcCiphertextLength(length: number): number {
  return ((length >>> 4) + 1) * BLOCK;
}

export interface EncryptedBatch {
  /** Raw ciphertexts, back to back; value i is `bytes[offsets[i], offsets[i + 1])`. */
  bytes: Buffer;
  /** `count + 1` entries. */
  offsets: Int32Array;
}

export interface DecryptedBatch {
  /** Plaintexts, back to back; value i is `bytes[offsets[i], offsets[i + 1])`. */
  bytes: Buffer;
  /** `count + 1` entries. */
  offsets: Int32Array;
  /** 1 when value i decrypted with valid padding; 0 (and an empty slot) otherwise. */
  ok: Uint8Array;
}

/**
 * Batch AES-CBC/PKCS#7 with one key and IV: create one per data source in each worker and reuse
 * it for every chunk (calls are synchronous). Returned buffers are fresh per call and owned by
 * the caller; internal scratch buffers are reused across calls.
 */
export class AesCbcBatch {
  readonly #key: Buffer;
  readonly #iv: Buffer;
  readonly #cbcName: string;
  readonly #ecbEnc: Cipheriv;
  readonly #ecbDec: Decipheriv;
  /** Scratch: gathered input blocks of one round (encrypt) / all ciphertexts (decrypt). */
  #gather: Buffer = Buffer.allocUnsafeSlow(4096);
  /** Scratch: value indices ordered by block count, descending. */
  #order = new Int32Array(256);
  /** Scratch: active[k] = number of values with more than k blocks. */
  #active = new Int32Array(256);
  /** Scratch: placement cursors of the counting sort. */
  #cursor = new Int32Array(256);

  /** Throws RangeError unless `key` is 16, 24 or 32 bytes and `iv` 16 bytes (key never in messages). */
  constructor(key: Uint8Array, iv: Uint8Array) {
    const ecbName = cipherName(key, 'ecb');
    checkIv(iv);
    this.#cbcName = cipherName(key, 'cbc');
    this.#key = Buffer.from(key); // copies: later changes to the caller's array have no effect
    this.#iv = Buffer.from(iv);
    this.#ecbEnc = createCipheriv(ecbName, this.#key, null).setAutoPadding(false);
    this.#ecbDec = createDecipheriv(ecbName, this.#key, null).setAutoPadding(false);
  }

  /** Key size in bits (128, 192 or 256). */
  get keyBits(): number {
    return this.#key.length * 8;
  }

  /**
   * Encrypts value i = `src[starts[i], ends[i])` for i < count, each as its own CBC message with
   * PKCS#7 padding (identical to `createCipheriv` per value). An EMPTY value gives an EMPTY slot
   * (the domain rule "empty stays empty"), not the encryption of "".
   */
  encrypt(src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): EncryptedBatch {
    checkBatchArgs(src, starts, ends, count);
    const offsets = new Int32Array(count + 1);

    // Pass 1: output layout and the block-count histogram.
    let total = 0;
    let maxBlocks = 0;
    for (let i = 0; i < count; i++) {
      const len = ends[i] - starts[i];
      const nb = len === 0 ? 0 : cbcCiphertextLength(len) >>> 4;
      offsets[i] = total;
      total += nb * BLOCK;
      if (nb > maxBlocks) maxBlocks = nb;
    }
    offsets[count] = total;
    if (total > MAX_TOTAL) throw new RunError('ERR_INTERNAL', `batch too large: ${total} bytes of ciphertext`);
    const out = Buffer.allocUnsafe(total);
    if (total === 0) return { bytes: out, offsets };

    // Counting sort by block count, descending: the values alive in round k are then the prefix
    // order[0, active[k]).
    const active = (this.#active = growInt32(this.#active, maxBlocks + 2));
    active.fill(0, 0, maxBlocks + 2);
    for (let i = 0; i < count; i++) {
      const nb = (offsets[i + 1] - offsets[i]) >>> 4;
      if (nb > 0) active[nb]++; // histogram first
    }
    // active[b] := number of values with more than b blocks (suffix sums of the histogram)
    let above = 0;
    for (let b = maxBlocks; b >= 0; b--) {
      const c = active[b];
      active[b] = above;
      above += c;
    }
    // Values with exactly b blocks go to order[active[b], active[b - 1]).
    const order = (this.#order = growInt32(this.#order, count));
    const cursor = (this.#cursor = growInt32(this.#cursor, maxBlocks + 1));
    for (let b = 1; b <= maxBlocks; b++) cursor[b] = active[b];
    for (let i = 0; i < count; i++) {
      const nb = (offsets[i + 1] - offsets[i]) >>> 4;
      if (nb > 0) order[cursor[nb]++] = i;
    }

    // Pass 2: padded plaintexts into the output buffer.
    for (let i = 0; i < count; i++) {
      const s = starts[i];
      const e = ends[i];
      if (e === s) continue;
      const o = offsets[i];
      copyBytes(src, s, e, out, o);
      const padEnd = offsets[i + 1];
      const pad = padEnd - o - (e - s);
      out.fill(pad, o + (e - s), padEnd);
    }

    // Rounds: block k of every value that has one, through one ECB call.
    const iv = this.#iv;
    const gather = (this.#gather = growBuffer(this.#gather, active[0] * BLOCK));
    for (let k = 0; k < maxBlocks; k++) {
      const n = active[k];
      if (n <= TAIL_MAX_VALUES && maxBlocks - k >= TAIL_MIN_ROUNDS) {
        this.#finishTail(out, offsets, order, n, k);
        break;
      }
      const kOff = k * BLOCK;
      for (let j = 0; j < n; j++) {
        const p = offsets[order[j]] + kOff;
        const g = j * BLOCK;
        if (k === 0) {
          for (let t = 0; t < BLOCK; t++) gather[g + t] = out[p + t] ^ iv[t];
        } else {
          for (let t = 0; t < BLOCK; t++) gather[g + t] = out[p + t] ^ out[p - BLOCK + t];
        }
      }
      const enc = this.#ecbEnc.update(gather.subarray(0, n * BLOCK));
      if (enc.length !== n * BLOCK) throw new RunError('ERR_INTERNAL', 'AES-ECB returned an unexpected length');
      for (let j = 0; j < n; j++) {
        const p = offsets[order[j]] + kOff;
        const g = j * BLOCK;
        for (let t = 0; t < BLOCK; t++) out[p + t] = enc[g + t];
      }
    }
    return { bytes: out, offsets };
  }

  /** Finishes values order[0, n) from block k on with one CBC cipher each (long values only). */
  #finishTail(out: Buffer, offsets: Int32Array, order: Int32Array, n: number, k: number): void {
    for (let j = 0; j < n; j++) {
      const i = order[j];
      const p = offsets[i] + k * BLOCK;
      const end = offsets[i + 1];
      const chainIv = k === 0 ? this.#iv : out.subarray(p - BLOCK, p);
      const c = createCipheriv(this.#cbcName, this.#key, chainIv).setAutoPadding(false);
      const enc = c.update(out.subarray(p, end));
      c.final();
      if (enc.length !== end - p) throw new RunError('ERR_INTERNAL', 'AES-CBC returned an unexpected length');
      enc.copy(out, p);
    }
  }

  /**
   * Decrypts value i = `src[starts[i], ends[i])` (raw ciphertext bytes) for i < count.
   * `ok[i]` is 0, and slot i empty, when the value is empty, not a multiple of 16 bytes, or its
   * PKCS#7 padding is invalid (a wrong key or IV usually shows up this way). Never throws on data.
   */
  decrypt(src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): DecryptedBatch {
    checkBatchArgs(src, starts, ends, count);
    const offsets = new Int32Array(count + 1);
    const ok = new Uint8Array(count);

    let total = 0;
    for (let i = 0; i < count; i++) {
      const len = ends[i] - starts[i];
      if (len > 0 && (len & (BLOCK - 1)) === 0) total += len;
    }
    if (total > MAX_TOTAL) throw new RunError('ERR_INTERNAL', `batch too large: ${total} bytes of ciphertext`);
    if (total === 0) return { bytes: Buffer.alloc(0), offsets, ok };

    // All well-formed ciphertexts back to back, through one ECB call.
    const ct = (this.#gather = growBuffer(this.#gather, total));
    let r = 0;
    for (let i = 0; i < count; i++) {
      const s = starts[i];
      const e = ends[i];
      const len = e - s;
      if (len > 0 && (len & (BLOCK - 1)) === 0) {
        copyBytes(src, s, e, ct, r);
        r += len;
      }
    }
    const pt = this.#ecbDec.update(ct.subarray(0, total));
    if (pt.length !== total) throw new RunError('ERR_INTERNAL', 'AES-ECB returned an unexpected length');

    // XOR with the previous ciphertext block (IV first), compacting in place: the write
    // position w never passes the read position r, and reads of pt stay ahead of writes.
    const iv = this.#iv;
    let w = 0;
    r = 0;
    for (let i = 0; i < count; i++) {
      offsets[i] = w;
      const len = ends[i] - starts[i];
      if (len === 0 || (len & (BLOCK - 1)) !== 0) continue;
      for (let t = 0; t < BLOCK; t++) pt[w + t] = pt[r + t] ^ iv[t];
      for (let t = BLOCK; t < len; t++) pt[w + t] = pt[r + t] ^ ct[r + t - BLOCK];
      r += len;
      // PKCS#7: last byte p in 1..16 and the last p bytes all equal p.
      const last = w + len - 1;
      const pad = pt[last];
      let good = pad >= 1 && pad <= BLOCK ? 1 : 0;
      if (good) {
        for (let t = 1; t < pad; t++) {
          if (pt[last - t] !== pad) {
            good = 0;
            break;
          }
        }
      }
      if (good) {
        ok[i] = 1;
        w += len - pad;
      }
    }
    offsets[count] = w;
    return { bytes: pt.subarray(0, w), offsets, ok };
  }
}
