/**
 * Hashes an ASCII value in place (e-mail, sha256, sha256_lc): lower-casing and the e-mail check
 * in one pass over the bytes, then the one-shot SHA-256 on an exact-length scratch buffer, so no
 * string is made for the value and nothing is allocated per value.
 */
import { isHex64 } from './encoding.js';
import { sha256HexOfBytes } from './identity.js';
import { Op } from '../pool/messages.js';
import { latin1Write, type Bytes } from './byte-buffers.js';
import { KIND_ALREADY_HASHED, KIND_EMPTY, KIND_HASHED, R_EMAIL } from './codes.js';
import { isAsciiSpace } from './field-decoder.js';

/** Longest value a hash op writes: 64 hex digits. */
export const HASH_HEX = 64;

export class AsciiHasher {
  /** Exact-length scratch buffers, one per length. */
  private readonly scratch: Buffer[] = [];

  /** Hashes src[s, e) into `out`; returns the counter kind, or -(reason + 1). */
  hash(op: number, src: Buffer, s: number, e: number, out: Bytes): number {
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
    const scratch = (this.scratch[n] ??= Buffer.allocUnsafeSlow(n));
    if (op === Op.Sha256) {
      for (let i = s; i < e; i++) scratch[i - s] = src[i];
    } else {
      // Lowercase as we copy; for e-mail, check the address in the same pass.
      let at = -1;
      for (let i = s; i < e; i++) {
        const c = src[i];
        if (op === Op.EmailSha256) {
          if (c === 0x40) {
            if (at !== -1) return -(R_EMAIL + 1);
            at = i;
          } else if (isAsciiSpace(c)) return -(R_EMAIL + 1);
        }
        scratch[i - s] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
      }
      if (op === Op.EmailSha256 && (at <= s || at === e - 1)) return -(R_EMAIL + 1);
    }
    out.used += latin1Write(out.bytes, sha256HexOfBytes(scratch), out.used);
    return KIND_HASHED;
  }

}
