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
import { RunError } from '../errors/errors.js';
import { KEYS_DIGEST, KEYS_NONE } from '../protocol/profile-index.js';
import { AesCbcBatch } from '../transforms/aes-cbc.js';
import { decodeBase64StrictInto, decodeHexStrictInto, HEX_PAIRS } from '../transforms/encoding.js';
import { Bytes, isAsciiSpace } from '../transforms/byte-buffers.js';
import type { ProfileIndexView } from './lookup.js';

/** Whether a Uint32Array holds its words' bytes lowest first (decodeHex builds the words so). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

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

export class IdMatcher {
  private readonly ciphers: (AesCbcBatch | undefined)[];
  private readonly raw = new Bytes(1 << 14);
  private readonly kept = new Bytes(1 << 12);

  /** `sources` in the order they are tried. */
  constructor(
    private readonly view: ProfileIndexView,
    private readonly sources: readonly MatchSource[],
  ) {
    // A source the build left out (BuildOptions.sources) has no keys to probe: trying it is a bug of the plan.
    for (const s of sources) {
      if (view.keysOf(s.index) === KEYS_NONE) throw new RunError('ERR_INTERNAL', `data source ${s.index} is to be tried but the profile index was not built for it`);
    }
    this.ciphers = sources.map((s) => (s.aes === undefined ? undefined : new AesCbcBatch(s.aes.key, s.aes.iv)));
    this.readsHex = sources.some((s) => (s.aes === undefined ? view.keysOf(s.index) === KEYS_DIGEST : s.aes.encoding === 'hex'));
  }

  /** Whether some source reads IDs of 64 hex digits (a digest source; an AES source of hex ciphertexts): see `decodeHex`. */
  readonly readsHex: boolean;

  /** Room for a `match` of at most `count` IDs decoded first (`decodeHex`). */
  prepare(count: number): void {
    this.grow(count);
  }

  /**
   * For a `match(..., decoded = true)`, after `prepare`: ID i's trimmed value src[s, e) decoded
   * if it is 64 hex digits (true), as `match` would decode it for every source that reads those.
   * Each ID of that call must have been given.
   */
  decodeHex(i: number, src: Uint8Array, s: number, e: number): boolean {
    let ok: boolean;
    if (e - s !== 64 || s < 0 || e > src.length) ok = false;
    else if (!LITTLE_ENDIAN) ok = decodeHexStrictInto(src, s, e, this.digestBytesA, 32 * i) >= 0;
    else {
      // Four digits a load (an unaligned little-endian word), two a look-up (HEX_PAIRS), four bytes
      // a store (a word of digestsA: LITTLE_ENDIAN), one check for all 64 digits: the bytes of
      // decodeHexStrictInto (two look-ups, a branch and a store a byte), ~2.5x faster (70 -> 28 ns
      // an ID, alone).
      if (src !== this.viewOf) {
        this.viewOf = src;
        this.srcView = new DataView(src.buffer, src.byteOffset, src.byteLength);
      }
      const v = this.srcView;
      const d = this.digestsA;
      let all = 0;
      for (let w = 8 * i, p = s, last = 8 * i + 8; w < last; w++, p += 8) {
        const a = v.getUint32(p, true);
        const b = v.getUint32(p + 4, true);
        const b0 = HEX_PAIRS[a & 0xffff];
        const b1 = HEX_PAIRS[a >>> 16];
        const b2 = HEX_PAIRS[b & 0xffff];
        const b3 = HEX_PAIRS[b >>> 16];
        all |= b0 | b1 | b2 | b3;
        d[w] = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
      }
      ok = all >= 0;
    }
    this.hexA[i] = ok ? 1 : 0;
    return ok;
  }
  /** The buffer `srcView` reads (decodeHex), remade when the IDs come from another. */
  private viewOf: Uint8Array | undefined;
  private srcView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  private batch = { index: new Int32Array(0), starts: new Int32Array(0), ends: new Int32Array(0), out: new Int32Array(0) };
  private batchOf(count: number): { index: Int32Array; starts: Int32Array; ends: Int32Array; out: Int32Array } {
    if (this.batch.index.length < count) {
      const n = Math.max(count, 1024);
      this.batch = { index: new Int32Array(n), starts: new Int32Array(n), ends: new Int32Array(n), out: new Int32Array(n) };
    }
    return this.batch;
  }

  /**
   * Per-call arrays, kept from call to call (grown, never shrunk): a call's result is read before
   * the next call (one chunk at a time per worker), so the chunk's arrays need not be new.
   */
  private cap = 0;
  private profilesA = new Int32Array(0);
  private matchedByA = new Int32Array(0);
  /** Per ID: 1 once a source could read it, 2 once an AES source failed to decrypt it. */
  private seenA = new Uint8Array(0);
  private readByA = new Uint32Array(0);
  private badForA = new Uint32Array(0);
  private plainStartsA = new Int32Array(0);
  private plainEndsA = new Int32Array(0);
  private plainByA = new Int32Array(0);
  private reasonsA = new Uint8Array(0);
  private s0A = new Int32Array(0);
  private e0A = new Int32Array(0);
  /** Per ID: 1 when it is 64 hex digits, decoded (once per call, for every digest source) at digests[8 * i]. */
  private hexA = new Uint8Array(0);
  private digestsA = new Uint32Array(0);
  private digestBytesA = new Uint8Array(0);
  private decodedFor = -1;

  private grow(count: number): void {
    if (this.cap >= count) return;
    const n = Math.max(count, 2 * this.cap, 1024);
    this.cap = n;
    this.profilesA = new Int32Array(n);
    this.matchedByA = new Int32Array(n);
    this.seenA = new Uint8Array(n);
    this.readByA = new Uint32Array(n);
    this.badForA = new Uint32Array(n);
    this.plainStartsA = new Int32Array(n);
    this.plainEndsA = new Int32Array(n);
    this.plainByA = new Int32Array(n);
    this.reasonsA = new Uint8Array(n);
    this.s0A = new Int32Array(n);
    this.e0A = new Int32Array(n);
    this.hexA = new Uint8Array(n);
    this.digestsA = new Uint32Array(8 * n);
    this.digestBytesA = new Uint8Array(this.digestsA.buffer);
  }

  /** Each trimmed ID of 64 hex digits decoded once for the call (into digestsA, flag in hexA). */
  private decodeDigests(src: Uint8Array, s0: Int32Array, e0: Int32Array, count: number): void {
    const hex = this.hexA;
    const bytes = this.digestBytesA;
    for (let i = 0; i < count; i++) {
      hex[i] = e0[i] - s0[i] === 64 && decodeHexStrictInto(src, s0[i], e0[i], bytes, 32 * i) >= 0 ? 1 : 0;
    }
  }

  /** Matches ID i = src[starts[i], ends[i]), as received, for i < count; `decoded`: each one given to `decodeHex` first. */
  match(src: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, decoded = false): MatchResult {
    this.grow(count);
    const profiles = this.profilesA.subarray(0, count).fill(-1);
    const matchedBy = this.matchedByA.subarray(0, count).fill(-1);
    const seen = this.seenA.subarray(0, count).fill(0);
    const readBy = this.readByA.subarray(0, count).fill(0);
    const badFor = this.badForA.subarray(0, count).fill(0);
    const plainStarts = this.plainStartsA.subarray(0, count).fill(-1);
    const plainEnds = this.plainEndsA.subarray(0, count).fill(0);
    const plainBy = this.plainByA.subarray(0, count).fill(-1);
    this.kept.used = 0;
    this.decodedFor = decoded ? count : -1;
    const s0 = this.s0A;
    const e0 = this.e0A;
    for (let i = 0; i < count; i++) {
      let s = starts[i];
      let e = ends[i];
      while (s < e && isAsciiSpace(src[s])) s++;
      while (e > s && isAsciiSpace(src[e - 1])) e--;
      s0[i] = s;
      e0[i] = e;
    }
    const view = this.view;
    const plainOut = { readBy, badFor, starts: plainStarts, ends: plainEnds, by: plainBy };
    for (let k = 0; k < this.sources.length; k++) {
      const source = this.sources[k];
      const cipher = this.ciphers[k];
      if (cipher !== undefined) {
        this.matchAes(source, k, cipher, src, s0, e0, count, profiles, matchedBy, seen, plainOut);
        continue;
      }
      if (view.keysOf(source.index) === KEYS_DIGEST) {
        // Decoded once for all digest sources; in one batch: the index's passes overlap the cache misses of different IDs.
        if (this.decodedFor !== count) {
          this.decodeDigests(src, s0, e0, count);
          this.decodedFor = count;
        }
        const hex = this.hexA;
        const ids = this.batchOf(count);
        const bit = k < 32 ? 1 << k : 0;
        let n = 0;
        for (let i = 0; i < count; i++) {
          if (hex[i] === 0 || profiles[i] >= 0) continue;
          seen[i] |= 1;
          readBy[i] |= bit;
          ids.index[n++] = i;
        }
        view.lookupDecodedDigests(source.index, this.digestsA, ids.index, n, ids.out);
        for (let j = 0; j < n; j++) {
          const p = ids.out[j];
          if (p < 0) continue;
          profiles[ids.index[j]] = p;
          matchedBy[ids.index[j]] = source.index;
        }
        continue;
      }
      for (let i = 0; i < count; i++) {
        if (profiles[i] >= 0 || e0[i] === s0[i]) continue;
        seen[i] |= 1;
        if (k < 32) readBy[i] |= 1 << k;
        const p = view.lookup(source.index, src, s0[i], e0[i]);
        if (p >= 0) {
          profiles[i] = p;
          matchedBy[i] = source.index;
        }
      }
    }
    const reasons = this.reasonsA.subarray(0, count).fill(MATCHED);
    for (let i = 0; i < count; i++) {
      if (profiles[i] >= 0) continue;
      reasons[i] = e0[i] === s0[i] ? INVALID_ID : (seen[i] & 1) !== 0 ? NO_PROFILE : (seen[i] & 2) !== 0 ? BAD_CIPHERTEXT : INVALID_ID;
    }
    return { profiles, sources: matchedBy, reasons, readBy, badFor, plain: { bytes: this.kept.bytes, starts: plainStarts, ends: plainEnds, by: plainBy } };
  }

  private aesIds = new Int32Array(0);
  private aesStarts = new Int32Array(0);
  private aesEnds = new Int32Array(0);

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
    if (this.aesIds.length < count) {
      this.aesIds = new Int32Array(this.cap);
      this.aesStarts = new Int32Array(this.cap);
      this.aesEnds = new Int32Array(this.cap);
    }
    const ids = this.aesIds;
    const rs = this.aesStarts;
    const re = this.aesEnds;
    // IDs of 64 hex digits a digest source decoded already: their bytes are copied, not decoded again.
    const decoded = hex && this.decodedFor === count ? this.hexA : undefined;
    const digestBytes = this.digestBytesA;
    let m = 0;
    for (let i = 0; i < count; i++) {
      if (profiles[i] >= 0 || e0[i] === s0[i]) continue;
      const n = e0[i] - s0[i];
      raw.ensure(n);
      const at = raw.used;
      let end: number;
      if (decoded !== undefined && decoded[i] === 1) {
        const b = raw.bytes;
        for (let t = 0, from = 32 * i; t < 32; t++) b[at + t] = digestBytes[from + t];
        end = at + 32;
      } else end = hex ? decodeHexStrictInto(src, s0[i], e0[i], raw.bytes, at) : decodeBase64StrictInto(src, s0[i], e0[i], raw.bytes, at);
      // Not text of this source's encoding: the source cannot read it (not a decryption failure).
      if (end < 0) continue;
      ids[m] = i;
      rs[m] = at;
      re[m] = end;
      m++;
      raw.used = end;
    }
    if (m === 0) return;
    const { bytes, offsets, ok } = cipher.decrypt(raw.bytes, rs, re, m);
    for (let j = 0; j < m; j++) {
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
        while (s < e && isAsciiSpace(bytes[s])) s++;
        while (e > s && isAsciiSpace(bytes[e - 1])) e--;
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
