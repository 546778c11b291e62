/**
 * Worker side of a profile index (layout: src/protocol/profile-index.ts): reads the regions in
 * place from `WorkerInit.shared`, no copy per worker, and answers which profile an incoming ID
 * is. Imports only worker-side modules.
 *
 * An incoming ID is matched as received, trimmed: for a hashed source it is 64 hex digits
 * (either case) compared with the digests (their first 96 bits when the source holds
 * fingerprints); for a text source it takes the source's form first (a value of hex digits
 * only is lowercased, so hex compares case-insensitively; an AES source's plaintext, once
 * decrypted, is normalised as the profile's e-mail or phone was), then that form's SHA-256
 * fingerprint is looked up (or the form itself, for a source held in full).
 */
import { RunError } from '../errors/errors.js';
import {
  DIGEST_BYTES, FIELD_BLOCK, FIELD_LONG, FINGERPRINT_WORDS, HELD_FINGERPRINT, INDEX_MAGIC, INDEX_VERSION, indexRegion, keyHash, KEYS_DIGEST, M_COUNTRY, M_FIELDS, M_HEADER_WORDS, M_MAGIC, M_PROFILES, M_SOURCE_WORDS, M_SOURCES, M_VERSION,
  S_DUPLICATES, S_EMPTY, S_ENTRIES, S_FORM, S_HELD, S_INVALID, S_KEYS, S_SLOTS, sameBytes, SLOT_ENTRY_MASK, slotHome, slotTag,
} from '../protocol/profile-index.js';
import { decodeHexStrictInto } from '../transforms/encoding.js';
import { Bytes } from '../transforms/byte-buffers.js';
import { nativeFunction } from '../transforms/native-addon.js';
import { Sha256Batch } from '../transforms/sha256-batch.js';
import { KEY_OK, KeyForms } from './lookup-key.js';
import { readShared } from './shared.js';

type NativeFind = (slots: Int32Array, size: number, keys: Uint32Array, width: number, owners: Uint32Array, entries: number, d: Uint32Array, at: Int32Array, n: number, out: Int32Array) => void;
type NativeTouch = (fieldEnds: Uint32Array, fieldBytes: Uint8Array, block: number, profiles: Int32Array, n: number) => void;

/**
 * native/key_table.c's keyTableFind and indexTouchFields (the addon `npm ci` builds):
 * lookupDecodedDigests' loop with two stages of prefetch, and prefetchFields' touch pipelined;
 * undefined without the addon, when the JavaScript passes below run (test/key-table-native.test.ts
 * proves the two lookups give the same answers).
 */
const NATIVE_FIND = nativeFunction<NativeFind>('keyTableFind');
const NATIVE_TOUCH = nativeFunction<NativeTouch>('indexTouchFields');

/** Whether the workers look IDs up with the native loop. */
export const NATIVE_INDEX_FIND = NATIVE_FIND !== undefined;

type Shared = Readonly<Record<string, SharedArrayBuffer>> | undefined;

interface SourceView {
  readonly keys: number;
  /** Words an entry of `digestWords` takes: FINGERPRINT_WORDS, or 8 (a digest held in full); 0: text held in full. */
  readonly width: number;
  readonly form: number;
  /** Slots of the table. */
  readonly size: number;
  readonly slots: Int32Array;
  readonly keyBytes: Buffer;
  /** The entries as words: fingerprints, or digests held in full. */
  readonly digestWords: Uint32Array;
  /** KEYS_TEXT: end of each entry's key. */
  readonly keyEnds: Uint32Array;
  /** The profile of each entry. */
  readonly owners: Uint32Array;
  readonly counts: { readonly indexed: number; readonly duplicates: number; readonly empty: number; readonly invalid: number };
}

const words = (bytes: Uint8Array): Uint32Array => new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

export class ProfileIndexView {
  readonly profiles: number;
  readonly fieldCount: number;
  /** The meta region's generation this view was made for. */
  readonly generation: number;
  /** The plan national phone numbers are read with (undefined: none). */
  readonly defaultCountry: string | undefined;
  private readonly sources: SourceView[] = [];
  private readonly fieldBytes: Buffer;
  private readonly fieldEnds: Uint32Array;
  private readonly forms: KeyForms;
  private readonly scratch = new Bytes(1 << 10);
  private readonly digest = new Uint8Array(DIGEST_BYTES);
  private readonly digestWords = new Uint32Array(this.digest.buffer);
  /** The SHA-256 of a text key's form, for a source held as fingerprints (the native batch, one value). */
  private readonly sha = new Sha256Batch();
  private readonly digestOut = Buffer.from(this.digest.buffer);

  /**
   * The index the main thread published into `shared`; ERR_INTERNAL when there is none yet.
   * `defaultCountry`: the plan of national numbers for an AES channel sms source's plaintexts;
   * by default the one the build read the profiles' phones with (BuildOptions or the job's
   * profiles.defaultCountry), so both sides normalise a national number alike.
   */
  constructor(shared: Shared, defaultCountry?: string) {
    const meta = readShared(shared, indexRegion.meta);
    const m = words(meta.bytes);
    if (meta.generation === 0 || m.length < M_HEADER_WORDS || m[M_MAGIC] !== INDEX_MAGIC || m[M_VERSION] !== INDEX_VERSION) {
      throw new RunError('ERR_INTERNAL', 'no profile index was published before it was read');
    }
    this.generation = meta.generation;
    this.profiles = m[M_PROFILES];
    this.fieldCount = m[M_FIELDS];
    const country = m[M_COUNTRY];
    this.defaultCountry = defaultCountry ?? (country === 0 ? undefined : String.fromCharCode(country & 0xff, country >>> 8));
    this.forms = new KeyForms(this.defaultCountry);
    this.fieldBytes = asBuffer(readShared(shared, indexRegion.fields).bytes);
    this.fieldEnds = words(readShared(shared, indexRegion.fieldEnds).bytes);
    for (let s = 0; s < m[M_SOURCES]; s++) {
      const w = M_HEADER_WORDS + s * M_SOURCE_WORDS;
      const keyBytes = asBuffer(readShared(shared, indexRegion.keys(s)).bytes);
      const slotBytes = readShared(shared, indexRegion.slots(s)).bytes;
      const keys = m[w + S_KEYS];
      this.sources.push({
        keys,
        width: m[w + S_HELD] === HELD_FINGERPRINT ? FINGERPRINT_WORDS : keys === KEYS_DIGEST ? DIGEST_BYTES >>> 2 : 0,
        form: m[w + S_FORM],
        size: m[w + S_SLOTS],
        slots: new Int32Array(slotBytes.buffer, slotBytes.byteOffset, slotBytes.length >>> 2),
        keyBytes,
        digestWords: words(keyBytes),
        keyEnds: words(readShared(shared, indexRegion.keyEnds(s)).bytes),
        owners: words(readShared(shared, indexRegion.owners(s)).bytes),
        counts: { indexed: m[w + S_ENTRIES], duplicates: m[w + S_DUPLICATES], empty: m[w + S_EMPTY], invalid: m[w + S_INVALID] },
      });
    }
  }

  get sourceCount(): number {
    return this.sources.length;
  }

  /** How source s holds its keys: KEYS_DIGEST (an ID is 64 hex digits) or KEYS_TEXT. */
  keysOf(s: number): number {
    return this.sources[s].keys;
  }

  /**
   * Source s's table as native/lookup_rows.c reads it, `[slots, size, keys, width, owners,
   * entries, s]`, when its keys are digests held as words (a digest source); else undefined.
   */
  digestTable(s: number): readonly [Int32Array, number, Uint32Array, number, Uint32Array, number, number] | undefined {
    const src = this.sources[s];
    if (src.keys !== KEYS_DIGEST || src.width === 0) return undefined;
    return [src.slots, src.size, src.digestWords, src.width, src.owners, src.counts.indexed, s];
  }

  /** The kept fields' arena (layout: src/protocol/profile-index.ts): the blocks' ends and the bytes, never to be written. */
  get keptArena(): { readonly ends: Uint32Array; readonly bytes: Buffer } {
    return { ends: this.fieldEnds, bytes: this.fieldBytes };
  }

  /** What the build counted for source s. */
  counts(s: number): SourceView['counts'] {
    return this.sources[s].counts;
  }

  /**
   * The profile number whose key in source s is the ID id[start, end), or -1. A source held as
   * fingerprints answers on the key's 96-bit fingerprint (the odds of a false match:
   * src/protocol/profile-index.ts).
   */
  lookup(s: number, id: Uint8Array, start: number, end: number): number {
    const src = this.sources[s];
    if (src.keys === KEYS_DIGEST) return this.lookupDigest(src, id, start, end);
    const scratch = this.scratch;
    scratch.used = 0;
    if (this.forms.write(src.form, id, start, end, scratch) !== KEY_OK) return -1;
    const b = scratch.bytes;
    const n = scratch.used;
    if (src.width > 0) {
      const sha = this.sha;
      const at = sha.begin(n);
      sha.bytes.set(b.subarray(0, n), at);
      sha.place(sha.commit(at, at + n), 0);
      sha.fillDigests(this.digestOut);
      return this.lookupWords(src, this.digestWords);
    }
    const { slots, size, keyBytes, keyEnds } = src;
    const hash = keyHash(b, 0, n);
    const tag = slotTag(hash);
    let i = slotHome(hash, size);
    for (;;) {
      const q = slots[i];
      if (q === 0) return -1;
      if ((q & ~SLOT_ENTRY_MASK) === tag) {
        const entry = q & SLOT_ENTRY_MASK;
        const qs = entry === 1 ? 0 : keyEnds[entry - 2];
        const qe = keyEnds[entry - 1];
        if (qe - qs === n && sameBytes(keyBytes, qs, b, 0, n)) return src.owners[entry - 1];
      }
      if (++i === size) i = 0;
    }
  }

  private lookupDigest(src: SourceView, id: Uint8Array, start: number, end: number): number {
    let s = start;
    let e = end;
    while (s < e && (id[s] === 0x20 || (id[s] >= 0x09 && id[s] <= 0x0d))) s++;
    while (e > s && (id[e - 1] === 0x20 || (id[e - 1] >= 0x09 && id[e - 1] <= 0x0d))) e--;
    if (e - s !== 2 * DIGEST_BYTES || decodeHexStrictInto(id, s, e, this.digest, 0) < 0) return -1;
    return this.lookupWords(src, this.digestWords);
  }

  /** The owner of the entry whose first `width` words are d's, or -1. */
  private lookupWords(src: SourceView, d: Uint32Array): number {
    return this.lookupWordsAt(src, d, 0);
  }

  /** The owner of the entry whose first `width` words are d[o, o + width), or -1. */
  private lookupWordsAt(src: SourceView, d: Uint32Array, o: number): number {
    const { slots, size, digestWords: k, width } = src;
    const d0 = d[o];
    const tag = slotTag(d0);
    let i = slotHome(d0, size);
    for (;;) {
      const q = slots[i];
      if (q === 0) return -1;
      if ((q & ~SLOT_ENTRY_MASK) === tag) {
        const v = ((q & SLOT_ENTRY_MASK) - 1) * width;
        if (k[v] === d0 && k[v + 1] === d[o + 1] && k[v + 2] === d[o + 2] && (width === FINGERPRINT_WORDS || (k[v + 3] === d[o + 3] && k[v + 4] === d[o + 4] && k[v + 5] === d[o + 5] && k[v + 6] === d[o + 6] && k[v + 7] === d[o + 7]))) {
          return src.owners[(q & SLOT_ENTRY_MASK) - 1];
        }
      }
      if (++i === size) i = 0;
    }
  }

  /**
   * `lookup` of many IDs of a digest source at once (the lookup op's batch): ID j is
   * id[starts[j], ends[j]), already trimmed, for j < n; out[j] gets its profile or -1. The work
   * goes in passes over the batch (decode, first slot, first entry, then the lookups themselves)
   * so that the cache misses of different IDs overlap instead of queueing one after the other:
   * a table of millions of keys is memory-bound, not compute-bound.
   */
  lookupDigests(s: number, id: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, out: Int32Array): void {
    const src = this.sources[s];
    if (this.batch.length < 8 * n) {
      this.batch = new Uint32Array(8 * Math.max(n, 256));
      this.batchBytes = new Uint8Array(this.batch.buffer);
    }
    const d = this.batch;
    const bytes = this.batchBytes;
    for (let j = 0; j < n; j++) {
      out[j] = ends[j] - starts[j] === 2 * DIGEST_BYTES && decodeHexStrictInto(id, starts[j], ends[j], bytes, 32 * j) >= 0 ? 0 : -1;
    }
    const { slots, size, digestWords: k, width } = src;
    // Touches, in independent loads: the home slot of each ID, then the entry it names.
    let touched = 0;
    for (let j = 0; j < n; j++) if (out[j] === 0) touched ^= slots[slotHome(d[8 * j], size)];
    for (let j = 0; j < n; j++) {
      if (out[j] !== 0) continue;
      const q = slots[slotHome(d[8 * j], size)];
      if (q !== 0) touched ^= k[((q & SLOT_ENTRY_MASK) - 1) * width];
    }
    this.touched = touched;
    for (let j = 0; j < n; j++) if (out[j] === 0) out[j] = this.lookupWordsAt(src, d, 8 * j);
  }

  /**
   * `lookupDigests` of IDs already decoded: ID j's digest is d[8 * at[j], 8 * at[j] + 8) (the
   * bytes of the 64 hex digits, in the array's byte order), for j < n; out[j] gets its profile or
   * -1. The same passes (first slot, first entry, then the lookups) overlap the cache misses;
   * natively (NATIVE_INDEX_FIND) unless `native` is false (the differential test's choice).
   */
  lookupDecodedDigests(s: number, d: Uint32Array, at: Int32Array, n: number, out: Int32Array, native = true): void {
    const src = this.sources[s];
    const { slots, size, digestWords: k, width } = src;
    if (NATIVE_FIND !== undefined && native && width > 0) {
      NATIVE_FIND(slots, size, k, width, src.owners, src.counts.indexed, d, at, n, out);
      return;
    }
    let touched = 0;
    for (let j = 0; j < n; j++) touched ^= slots[slotHome(d[8 * at[j]], size)];
    for (let j = 0; j < n; j++) {
      const q = slots[slotHome(d[8 * at[j]], size)];
      if (q !== 0) touched ^= k[((q & SLOT_ENTRY_MASK) - 1) * width];
    }
    this.touched ^= touched;
    for (let j = 0; j < n; j++) out[j] = this.lookupWordsAt(src, d, 8 * at[j]);
  }
  private batch = new Uint32Array(0);
  private batchBytes = new Uint8Array(0);
  /** What the touches read: kept so that they are not optimised away. */
  touched = 0;

  /**
   * Touches the kept fields of the profiles (in independent loads, the misses overlapping) that a
   * batch's rows will write next, so that `fieldRanges` then finds them in the cache.
   */
  prefetchFields(profiles: Int32Array, n: number): void {
    const b = this.fieldBytes;
    const ends = this.fieldEnds;
    if (NATIVE_TOUCH !== undefined) {
      // Prefetches, pipelined (native/key_table.c indexTouchFields): what it reads changes no result.
      NATIVE_TOUCH(ends, b, FIELD_BLOCK, profiles, n);
      return;
    }
    let touched = 0;
    for (let j = 0; j < n; j++) {
      const p = profiles[j];
      if (p < 0) continue;
      const block = Math.floor(p / FIELD_BLOCK);
      touched ^= block === 0 ? 0 : ends[block - 1];
    }
    for (let j = 0; j < n; j++) {
      const p = profiles[j];
      if (p < 0) continue;
      const block = Math.floor(p / FIELD_BLOCK);
      touched ^= b[block === 0 ? 0 : ends[block - 1]];
    }
    this.touched ^= touched;
  }

  /** Kept field f of profile p (0: profiles.id, then profiles.fields in order): a view of the shared bytes, never to be written. */
  field(p: number, f: number): Buffer {
    const b = this.fieldBytes;
    const block = Math.floor(p / FIELD_BLOCK);
    let pos = block === 0 ? 0 : this.fieldEnds[block - 1];
    // Past the block's earlier profiles and this one's earlier fields.
    for (let skip = (p - block * FIELD_BLOCK) * this.fieldCount + f; skip > 0; skip--) {
      const n = b[pos];
      pos += n === FIELD_LONG ? 5 + b.readUInt32LE(pos + 1) : 1 + n;
    }
    const n = b[pos];
    if (n !== FIELD_LONG) return b.subarray(pos + 1, pos + 1 + n);
    return b.subarray(pos + 5, pos + 5 + b.readUInt32LE(pos + 1));
  }

  /**
   * Every kept field of profile p at once, with no allocation (the lookup op writes several per
   * row): field f is bytes[starts[f], ends[f]) of the returned buffer (the shared bytes, never to
   * be written); the arrays hold at least `fieldCount` entries.
   */
  fieldRanges(p: number, starts: Int32Array, ends: Int32Array): Buffer {
    const b = this.fieldBytes;
    const block = Math.floor(p / FIELD_BLOCK);
    let pos = block === 0 ? 0 : this.fieldEnds[block - 1];
    for (let skip = (p - block * FIELD_BLOCK) * this.fieldCount; skip > 0; skip--) {
      const n = b[pos];
      pos += n === FIELD_LONG ? 5 + b.readUInt32LE(pos + 1) : 1 + n;
    }
    for (let f = 0; f < this.fieldCount; f++) {
      const n = b[pos];
      if (n !== FIELD_LONG) {
        starts[f] = pos + 1;
        pos += 1 + n;
      } else {
        starts[f] = pos + 5;
        pos += 5 + b.readUInt32LE(pos + 1);
      }
      ends[f] = pos;
    }
    return b;
  }
}

let cached: ProfileIndexView | undefined;
/** The meta region the cached view was made from. */
let cachedFor: SharedArrayBuffer | undefined;

/**
 * The view of the index in `shared` a task should read: the one made before while the main
 * thread has published nothing new (the meta region's generation), else a new one. Views are
 * cheap but not free (a dozen typed arrays): a worker asks once per task, not per ID.
 */
export function currentIndexView(shared: Shared, defaultCountry?: string): ProfileIndexView {
  const meta = shared?.[indexRegion.meta];
  if (cached !== undefined && meta !== undefined && cachedFor === meta && readShared(shared, indexRegion.meta).generation === cached.generation) return cached;
  cached = new ProfileIndexView(shared, defaultCountry);
  cachedFor = meta;
  return cached;
}
