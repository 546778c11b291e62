/**
 * One data source's keys during the index build (layout: src/protocol/profile-index.ts): the
 * distinct keys as entries in table order, their owners, and the open-addressing table over
 * them, all written in place in shared memory. A key is looked up as it is added, so a
 * duplicate (a later profile with a key an entry has) is counted and takes no room; the table
 * doubles, and is filled again from the entries, before it is more than MAX_LOAD full.
 */
import type { SharedRegion } from '../pool/shared-state.js';
import { RunError } from '../errors/errors.js';
import { FIRST_SLOTS, keyHash, MAX_ENTRIES, MAX_LOAD, sameBytes, SLOT_ENTRY_MASK, slotHome, slotTag } from '../protocol/profile-index.js';
import { SHARED_HEADER_BYTES } from '../protocol/shared-layout.js';
import { nativeFunction } from '../transforms/native-addon.js';
import { KEY_EMPTY, KEY_OK } from '../worker/lookup-key.js';
import { SharedBytesWriter, SharedWordsWriter } from './index-layout.js';

/** Keys whose first slots are read ahead together (see addDigests). */
const AHEAD = 256;

type NativeAdd = (
  slots: Int32Array, size: number, keys: Uint32Array, width: number, owners: Uint32Array, entries: number,
  d: Uint32Array, stride: number, status: Uint8Array, count: number, first: number, maxEntries: number,
) => number;

/**
 * native/key_table.c's keyTableAdd (in the addon `npm ci` builds, scripts/build-native.mjs): the
 * insert loop of addDigests with the slots read ahead by prefetch, byte for byte the same table
 * (test/key-table-native.test.ts); undefined without the addon, when the loop below runs.
 */
const NATIVE_ADD = nativeFunction<NativeAdd>('keyTableAdd');

/** Whether the index build adds its keys with the native loop. */
export const NATIVE_KEY_TABLE = NATIVE_ADD !== undefined;

export class KeyTable {
  readonly keys: SharedBytesWriter;
  readonly ends: SharedWordsWriter | undefined;
  readonly owners: SharedWordsWriter;
  duplicates = 0;
  private slots: Int32Array;
  private size: number;
  /** `keys` as words (entries of words), remade when the arena grows into a new view. */
  private keyWords: Uint32Array;

  /**
   * `width`: Uint32 words an entry (8 for a digest held in full, FINGERPRINT_WORDS for a
   * fingerprint), whose first word is its hash; 0 for text keys held in full (`addText`).
   */
  constructor(
    readonly width: number,
    regions: { keys: SharedRegion; keyEnds: SharedRegion; owners: SharedRegion },
    private readonly slotRegion: SharedRegion,
  ) {
    this.keys = new SharedBytesWriter(regions.keys);
    this.ends = width > 0 ? undefined : new SharedWordsWriter(regions.keyEnds);
    this.owners = new SharedWordsWriter(regions.owners);
    this.keyWords = this.wordsOfKeys();
    this.slots = this.emptySlots(FIRST_SLOTS);
    this.size = FIRST_SLOTS;
  }

  get entries(): number {
    return this.owners.count;
  }

  get slotCount(): number {
    return this.size;
  }

  /**
   * A chunk's keys of this source: profile `first + i` has status[i] (KEY_OK, KEY_EMPTY or
   * KEY_INVALID, counted into `c`), and the KEY_OK ones, in order, the entries of d that start
   * every `stride` words. The table is first made large enough for all of them (so that the
   * native loop and this one, which grow it at the same points, make the same table), then the
   * keys are added natively, or here: each run of AHEAD keys first reads the slot each starts at,
   * loads that do not wait for one another (the CPU has many in flight), so that the inserts after
   * them find the slots in cache: a table of 10M keys is far larger than the caches.
   * `native: false` runs the loop here even when the addon loaded (the differential test's choice).
   */
  addDigests(d: Uint32Array, stride: number, status: Uint8Array, count: number, first: number, c: { empty: number; invalid: number }, native = true): void {
    let ok = 0;
    for (let i = 0; i < count; i++) {
      const st = status[i];
      if (st === KEY_OK) ok++;
      else if (st === KEY_EMPTY) c.empty++;
      else c.invalid++;
    }
    const before = this.owners.count;
    while (before + ok > this.size * MAX_LOAD) this.grow();
    if (NATIVE_ADD !== undefined && native && before + ok <= MAX_ENTRIES) {
      const width = this.width;
      this.keys.ensure(4 * width * ok);
      if (this.keys.bytes.length >>> 2 !== this.keyWords.length) this.keyWords = this.wordsOfKeys();
      this.owners.grow(before + ok);
      // MAX_ENTRIES cannot be reached here (checked above): the loop below throws at the right key.
      const after = NATIVE_ADD(this.slots, this.size, this.keyWords, width, this.owners.words, before, d, stride, status, count, first, MAX_ENTRIES);
      this.owners.count = after;
      this.keys.used = 4 * width * after;
      this.duplicates += ok - (after - before);
      return;
    }
    let k = 0;
    for (let from = 0; from < count; from += AHEAD) {
      const to = Math.min(count, from + AHEAD);
      const slots = this.slots;
      const size = this.size;
      let touched = 0;
      for (let i = from, j = k; i < to; i++) if (status[i] === KEY_OK) touched |= slots[slotHome(d[j++ * stride], size)];
      this.touched ^= touched;
      for (let i = from; i < to; i++) if (status[i] === KEY_OK) this.addDigest(d, k++ * stride, first + i);
    }
  }

  /** What the reads ahead saw, kept so that they are not optimised away. */
  private touched = 0;

  /** Profile p's key is the entry d[w, w + width) (words): a new entry, or a duplicate. */
  addDigest(d: Uint32Array, w: number, p: number): void {
    let k = this.keyWords;
    const slots = this.slots;
    const size = this.size;
    const width = this.width;
    const hash = d[w];
    const tag = slotTag(hash);
    let i = slotHome(hash, size);
    for (;;) {
      const q = slots[i];
      if (q === 0) break;
      if ((q & ~SLOT_ENTRY_MASK) === tag) {
        const v = ((q & SLOT_ENTRY_MASK) - 1) * width;
        if (sameWords(k, v, d, w, width)) {
          this.duplicates++;
          return;
        }
      }
      if (++i === size) i = 0;
    }
    const e = this.owners.count;
    this.keys.ensure(4 * width);
    if (this.keys.bytes.length >>> 2 !== k.length) k = this.keyWords = this.wordsOfKeys();
    const at = e * width;
    for (let j = 0; j < width; j++) k[at + j] = d[w + j];
    this.keys.used += 4 * width;
    this.commit(i, tag, p);
  }

  /** Profile p's key is what was appended to `keys` since the last entry: a new entry, or a duplicate (then taken back). */
  addText(p: number): void {
    const ends = this.ends as SharedWordsWriter;
    const bytes = this.keys.bytes;
    const s = ends.count === 0 ? 0 : ends.words[ends.count - 1];
    const e = this.keys.used;
    const slots = this.slots;
    const size = this.size;
    const w = ends.words;
    const hash = keyHash(bytes, s, e);
    const tag = slotTag(hash);
    let i = slotHome(hash, size);
    for (;;) {
      const q = slots[i];
      if (q === 0) break;
      if ((q & ~SLOT_ENTRY_MASK) === tag) {
        const entry = q & SLOT_ENTRY_MASK;
        const qs = entry === 1 ? 0 : w[entry - 2];
        const qe = w[entry - 1];
        if (qe - qs === e - s && sameBytes(bytes, s, bytes, qs, e - s)) {
          this.duplicates++;
          this.keys.used = s;
          return;
        }
      }
      if (++i === size) i = 0;
    }
    ends.push(e);
    this.commit(i, tag, p);
  }

  /** Publishes the entries and the table; returns the bytes they hold. */
  publish(): number {
    this.keys.publish();
    if (this.ends !== undefined) this.ends.publish();
    this.owners.publish();
    this.slotRegion.publishWritten(4 * this.slots.length);
    return this.keys.used + 4 * (this.ends?.count ?? 0) + 4 * this.owners.count + 4 * this.slots.length;
  }

  /** The entry just stored goes to slot i, with its tag, owned by profile p. */
  private commit(i: number, tag: number, p: number): void {
    if (this.owners.count === MAX_ENTRIES) {
      throw new RunError('ERR_PROFILES', `a data source of the profile table has more than ${MAX_ENTRIES} distinct keys: split the table`);
    }
    this.owners.push(p);
    this.slots[i] = this.owners.count | tag;
    if (this.owners.count > this.slots.length * MAX_LOAD) this.grow();
  }

  /**
   * Sizes the table for `entries` keys now, while it holds few: a table that doubles its way to
   * 10M entries fills itself again 14 times, as long as the build's key lookups together.
   */
  reserve(entries: number): void {
    const size = Math.ceil(entries / MAX_LOAD / FIRST_SLOTS) * FIRST_SLOTS;
    if (size > this.slots.length) this.grow(size);
  }

  /** Doubles the table (or makes it `size`) and fills it again from the entries (no duplicates among them: each takes the first free slot). */
  private grow(size = 2 * this.slots.length): void {
    const slots = this.emptySlots(size);
    const n = this.owners.count;
    if (this.width > 0) {
      const k = this.keyWords;
      const width = this.width;
      for (let e = 0; e < n; e++) {
        const hash = k[e * width];
        let i = slotHome(hash, size);
        while (slots[i] !== 0) if (++i === size) i = 0;
        slots[i] = (e + 1) | slotTag(hash);
      }
    } else {
      const bytes = this.keys.bytes;
      const w = (this.ends as SharedWordsWriter).words;
      for (let e = 0; e < n; e++) {
        const hash = keyHash(bytes, e === 0 ? 0 : w[e - 1], w[e]);
        let i = slotHome(hash, size);
        while (slots[i] !== 0) if (++i === size) i = 0;
        slots[i] = (e + 1) | slotTag(hash);
      }
    }
    this.slots = slots;
    this.size = size;
  }

  private emptySlots(size: number): Int32Array {
    this.slotRegion.ensureContent(4 * size);
    const slots = new Int32Array(this.slotRegion.buffer, SHARED_HEADER_BYTES, size);
    slots.fill(0);
    return slots;
  }

  private wordsOfKeys(): Uint32Array {
    const b = this.keys.bytes;
    return new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  }
}

/** Whether a[as, as + n) and b[bs, bs + n) hold the same words (n is 3 or 8: the fingerprint's first). */
function sameWords(a: Uint32Array, as: number, b: Uint32Array, bs: number, n: number): boolean {
  if (a[as] !== b[bs] || a[as + 1] !== b[bs + 1] || a[as + 2] !== b[bs + 2]) return false;
  for (let j = 3; j < n; j++) if (a[as + j] !== b[bs + j]) return false;
  return true;
}
