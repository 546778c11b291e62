/**
 * Hashes an ASCII value in place (e-mail, sha256, sha256_lc): lower-casing and the e-mail check
 * in one pass over the bytes, copied straight into the chunk's SHA-256 batch with a 64-byte slot
 * reserved in the output, so no string is made for the value and nothing is allocated per value.
 */
import { isHex64 } from './encoding.js';
import { Op } from '../protocol/messages.js';
import type { Bytes } from './byte-buffers.js';
import type { Sha256Batch } from './sha256-batch.js';
import { KIND_ALREADY_HASHED, KIND_EMPTY, KIND_HASHED, R_EMAIL } from '../protocol/codes.js';
import { isAsciiSpace } from '../formats/csv/field-decoder.js';

/** Longest value a hash op writes: 64 hex digits. */
export const HASH_HEX = 64;

export class AsciiHasher {
  private readonly batch: Sha256Batch;

  constructor(batch: Sha256Batch) {
    this.batch = batch;
  }

  /**
   * Queues src[s, e) for hashing into a slot it reserves in `out` (filled by the batch once the
   * chunk is done); returns the counter kind, or -(reason + 1) with nothing queued or reserved.
   */
  hash(op: string, src: Buffer, s: number, e: number, out: Bytes): number {
    const n = e - s;
    if (n === 0) return KIND_EMPTY;
    out.ensure(HASH_HEX);
    if (op === Op.EmailSha256 && n === HASH_HEX && isHex64(src, s, e)) {
      // Already hashed: lowercased, never hashed twice.
      const dst = out.bytes;
      let o = out.used;
      for (let i = s; i < e; i++) {
        const c = src[i];
        dst[o++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
      }
      out.used = o;
      return KIND_ALREADY_HASHED;
    }
    const at = this.batch.begin(n);
    const scratch = this.batch.bytes;
    const shift = at - s;
    if (op === Op.EmailSha256) {
      // Lowercase as we copy, checking the address in the same pass: one '@', no whitespace.
      // Most bytes are letters above '@': they take the first branch and nothing else.
      let atSign = -1;
      for (let i = s; i < e; i++) {
        const c = src[i];
        if (c > 0x40) {
          scratch[i + shift] = c <= 0x5a ? c | 0x20 : c;
          continue;
        }
        if (c === 0x40) {
          if (atSign !== -1) return -(R_EMAIL + 1);
          atSign = i;
        } else if (c <= 0x20 && isAsciiSpace(c)) return -(R_EMAIL + 1);
        scratch[i + shift] = c;
      }
      if (atSign <= s || atSign === e - 1) return -(R_EMAIL + 1);
    } else if (op === Op.Sha256) {
      for (let i = s; i < e; i++) scratch[i + shift] = src[i];
    } else {
      for (let i = s; i < e; i++) {
        const c = src[i];
        scratch[i + shift] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
      }
    }
    this.batch.commit(at, at + n, out.used);
    out.used += HASH_HEX;
    return KIND_HASHED;
  }

}
