/**
 * Which profile each incoming ID of a chunk is (issue #12, "Matching rules"), worker side: the
 * data sources are tried in the order given (the one `--alias` or the file's DPID names, or
 * highest priority first), column-wise so that each AES source decrypts all the IDs it is asked
 * about in one batch; the first source that finds a profile wins. An ID no source matches gets
 * its reason: `no_profile` (some source could read it, none has it), `bad_ciphertext` (only AES
 * sources could have read it, and it does not decrypt) or `invalid_id` (empty, or fits no
 * source at all). Imports only worker-side modules; the lookup-op wraps it.
 */
import { KEYS_DIGEST } from '../protocol/profile-index.js';
import { AesCbcBatch } from '../transforms/aes-cbc.js';
import { decodeBase64StrictInto, decodeHexStrictInto, isHex64 } from '../transforms/encoding.js';
import { Bytes } from '../transforms/byte-buffers.js';
import type { ProfileIndexView } from './lookup.js';

export const MATCHED = 0;
export const NO_PROFILE = 1;
export const BAD_CIPHERTEXT = 2;
export const INVALID_ID = 3;
/** Reason names, by code (MATCHED has none). */
export const UNMATCHED_REASONS = ['', 'no_profile', 'bad_ciphertext', 'invalid_id'] as const;

/** One source as the matcher tries it: its index in the profile index, and its AES key when it has one. */
export interface MatchSource {
  readonly index: number;
  readonly aes?: { readonly key: Uint8Array; readonly iv: Uint8Array; readonly encoding: 'hex' | 'base64' };
}

export interface MatchResult {
  /** Per ID: the profile number, or -1. */
  readonly profiles: Int32Array;
  /** Per ID: the index (in the profile index) of the source that matched, or -1. */
  readonly sources: Int32Array;
  /** Per ID: MATCHED or the reason it is unmatched. */
  readonly reasons: Uint8Array;
}

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

export class IdMatcher {
  private readonly ciphers: (AesCbcBatch | undefined)[];
  private readonly raw = new Bytes(1 << 14);

  /** `sources` in the order they are tried. */
  constructor(
    private readonly view: ProfileIndexView,
    private readonly sources: readonly MatchSource[],
  ) {
    this.ciphers = sources.map((s) => (s.aes === undefined ? undefined : new AesCbcBatch(s.aes.key, s.aes.iv)));
  }

  /** Matches ID i = src[starts[i], ends[i]), as received, for i < count. */
  match(src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): MatchResult {
    const profiles = new Int32Array(count).fill(-1);
    const matchedBy = new Int32Array(count).fill(-1);
    /** Per ID: 1 once a source could read it, 2 once an AES source failed to decrypt it. */
    const seen = new Uint8Array(count);
    const s0 = new Int32Array(count);
    const e0 = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      let s = starts[i];
      let e = ends[i];
      while (s < e && isSpace(src[s])) s++;
      while (e > s && isSpace(src[e - 1])) e--;
      s0[i] = s;
      e0[i] = e;
    }
    const view = this.view;
    this.sources.forEach((source, k) => {
      const cipher = this.ciphers[k];
      if (cipher !== undefined) {
        this.matchAes(source, cipher, src, s0, e0, count, profiles, matchedBy, seen);
        return;
      }
      const digest = view.keysOf(source.index) === KEYS_DIGEST;
      for (let i = 0; i < count; i++) {
        if (profiles[i] >= 0 || e0[i] === s0[i]) continue;
        if (digest && !isHex64(src, s0[i], e0[i])) continue;
        seen[i] |= 1;
        const p = view.lookup(source.index, src, s0[i], e0[i]);
        if (p >= 0) {
          profiles[i] = p;
          matchedBy[i] = source.index;
        }
      }
    });
    const reasons = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      if (profiles[i] >= 0) continue;
      reasons[i] = e0[i] === s0[i] ? INVALID_ID : (seen[i] & 1) !== 0 ? NO_PROFILE : (seen[i] & 2) !== 0 ? BAD_CIPHERTEXT : INVALID_ID;
    }
    return { profiles, sources: matchedBy, reasons };
  }

  /** One AES source over the IDs still unmatched: decoded (hex or base64), decrypted in one batch, the plaintexts looked up. */
  private matchAes(source: MatchSource, cipher: AesCbcBatch, src: Uint8Array, s0: Int32Array, e0: Int32Array, count: number, profiles: Int32Array, matchedBy: Int32Array, seen: Uint8Array): void {
    const hex = source.aes?.encoding !== 'base64';
    const raw = this.raw;
    raw.used = 0;
    const ids: number[] = [];
    const rs: number[] = [];
    const re: number[] = [];
    for (let i = 0; i < count; i++) {
      if (profiles[i] >= 0 || e0[i] === s0[i]) continue;
      const n = e0[i] - s0[i];
      raw.ensure(n);
      const at = raw.used;
      const end = hex ? decodeHexStrictInto(src, s0[i], e0[i], raw.bytes, at) : decodeBase64StrictInto(src, s0[i], e0[i], raw.bytes, at);
      // Not text of this source's encoding: the source cannot read it (not a decryption failure).
      if (end < 0) continue;
      ids.push(i);
      rs.push(at);
      re.push(end);
      raw.used = end;
    }
    if (ids.length === 0) return;
    const { bytes, offsets, ok } = cipher.decrypt(raw.bytes, Int32Array.from(rs), Int32Array.from(re), ids.length);
    for (let j = 0; j < ids.length; j++) {
      const i = ids[j];
      if (ok[j] === 0) {
        seen[i] |= 2;
        continue;
      }
      seen[i] |= 1;
      const p = this.view.lookup(source.index, bytes, offsets[j], offsets[j + 1]);
      if (p >= 0) {
        profiles[i] = p;
        matchedBy[i] = source.index;
      }
    }
  }
}
