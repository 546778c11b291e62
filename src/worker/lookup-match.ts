/**
 * Which profile each incoming ID of a chunk is (issue #12, "Matching rules"), worker side: the
 * data sources are tried in the order given (the one `--alias` or the file's DPID names, or
 * highest priority first), column-wise so that each AES source decrypts all the IDs it is asked
 * about in one batch; the first source that finds a profile wins. An ID no source matches gets
 * its reason: `no_profile` (some source could read it, none has it), `bad_ciphertext` (only AES
 * sources could have read it, and it does not decrypt) or `invalid_id` (empty, or fits no
 * source at all). Imports only worker-side modules; the lookup-op wraps it.
 */
import { isUtf8 } from 'node:buffer';
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
  /**
   * An AES source of channel email or sms whose plaintexts are kept when they match no profile
   * (`--file-audience`: the addresses and numbers Campaign would put in a file audience).
   */
  readonly keepPlain?: boolean;
}

/** Per ID, the first kept plaintext (MatchSource.keepPlain) of an ID no source matched: bytes[starts[i], ends[i]), starts[i] -1 when none. */
export interface KeptPlaintexts {
  readonly bytes: Buffer;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** The try-order position of the source that kept it. */
  readonly by: Int32Array;
}

export interface MatchResult {
  /** Per ID: the profile number, or -1. */
  readonly profiles: Int32Array;
  /** Per ID: the index (in the profile index) of the source that matched, or -1. */
  readonly sources: Int32Array;
  /** Per ID: MATCHED or the reason it is unmatched. */
  readonly reasons: Uint8Array;
  /** Per ID: bit k set when the source tried k-th (k < 32) could read it (its shape, or it decrypted). */
  readonly readBy: Uint32Array;
  /** Per ID: bit k set when the AES source tried k-th (k < 32) failed to decrypt it. */
  readonly badFor: Uint32Array;
  readonly plain: KeptPlaintexts;
}

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

export class IdMatcher {
  private readonly ciphers: (AesCbcBatch | undefined)[];
  private readonly raw = new Bytes(1 << 14);
  private readonly kept = new Bytes(1 << 12);

  /** `sources` in the order they are tried. */
  constructor(
    private readonly view: ProfileIndexView,
    private readonly sources: readonly MatchSource[],
  ) {
    this.ciphers = sources.map((s) => (s.aes === undefined ? undefined : new AesCbcBatch(s.aes.key, s.aes.iv)));
  }

  private batch = { index: new Int32Array(0), starts: new Int32Array(0), ends: new Int32Array(0), out: new Int32Array(0) };
  private batchOf(count: number): { index: Int32Array; starts: Int32Array; ends: Int32Array; out: Int32Array } {
    if (this.batch.index.length < count) {
      const n = Math.max(count, 1024);
      this.batch = { index: new Int32Array(n), starts: new Int32Array(n), ends: new Int32Array(n), out: new Int32Array(n) };
    }
    return this.batch;
  }

  /** Matches ID i = src[starts[i], ends[i]), as received, for i < count. */
  match(src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): MatchResult {
    const profiles = new Int32Array(count).fill(-1);
    const matchedBy = new Int32Array(count).fill(-1);
    /** Per ID: 1 once a source could read it, 2 once an AES source failed to decrypt it. */
    const seen = new Uint8Array(count);
    const readBy = new Uint32Array(count);
    const badFor = new Uint32Array(count);
    const plainStarts = new Int32Array(count).fill(-1);
    const plainEnds = new Int32Array(count);
    const plainBy = new Int32Array(count).fill(-1);
    this.kept.used = 0;
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
        this.matchAes(source, k, cipher, src, s0, e0, count, profiles, matchedBy, seen, { readBy, badFor, starts: plainStarts, ends: plainEnds, by: plainBy });
        return;
      }
      const digest = view.keysOf(source.index) === KEYS_DIGEST;
      if (digest) {
        // In one batch: the index's passes overlap the cache misses of different IDs.
        const ids = this.batchOf(count);
        let n = 0;
        for (let i = 0; i < count; i++) {
          if (profiles[i] >= 0 || e0[i] === s0[i] || !isHex64(src, s0[i], e0[i])) continue;
          seen[i] |= 1;
          if (k < 32) readBy[i] |= 1 << k;
          ids.index[n] = i;
          ids.starts[n] = s0[i];
          ids.ends[n] = e0[i];
          n++;
        }
        view.lookupDigests(source.index, src, ids.starts, ids.ends, n, ids.out);
        for (let j = 0; j < n; j++) {
          const p = ids.out[j];
          if (p < 0) continue;
          profiles[ids.index[j]] = p;
          matchedBy[ids.index[j]] = source.index;
        }
        return;
      }
      for (let i = 0; i < count; i++) {
        if (profiles[i] >= 0 || e0[i] === s0[i]) continue;
        if (digest && !isHex64(src, s0[i], e0[i])) continue;
        seen[i] |= 1;
        if (k < 32) readBy[i] |= 1 << k;
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
    return { profiles, sources: matchedBy, reasons, readBy, badFor, plain: { bytes: this.kept.bytes, starts: plainStarts, ends: plainEnds, by: plainBy } };
  }

  /** One AES source over the IDs still unmatched: decoded (hex or base64), decrypted in one batch, the plaintexts looked up. */
  private matchAes(
    source: MatchSource,
    k: number,
    cipher: AesCbcBatch,
    src: Uint8Array,
    s0: Int32Array,
    e0: Int32Array,
    count: number,
    profiles: Int32Array,
    matchedBy: Int32Array,
    seen: Uint8Array,
    out: { readBy: Uint32Array; badFor: Uint32Array; starts: Int32Array; ends: Int32Array; by: Int32Array },
  ): void {
    const bit = k < 32 ? 1 << k : 0;
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
        out.badFor[i] |= bit;
        continue;
      }
      seen[i] |= 1;
      out.readBy[i] |= bit;
      const p = this.view.lookup(source.index, bytes, offsets[j], offsets[j + 1]);
      if (p >= 0) {
        profiles[i] = p;
        matchedBy[i] = source.index;
      } else if (source.keepPlain && out.starts[i] < 0 && isUtf8(bytes.subarray(offsets[j], offsets[j + 1]))) {
        // Trimmed: the address or number as Campaign would list it.
        let s = offsets[j];
        let e = offsets[j + 1];
        while (s < e && isSpace(bytes[s])) s++;
        while (e > s && isSpace(bytes[e - 1])) e--;
        if (e === s) continue;
        const kept = this.kept;
        kept.ensure(e - s);
        out.starts[i] = kept.used;
        bytes.copy(kept.bytes, kept.used, s, e);
        kept.used += e - s;
        out.ends[i] = kept.used;
        out.by[i] = k;
      }
    }
  }
}
