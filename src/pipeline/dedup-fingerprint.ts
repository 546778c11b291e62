/**
 * Fingerprints of byte strings and the table that holds them, for the checks that remember
 * every distinct key of a run (dedup keys, AAM IDs per file): memory grows with the number of
 * distinct keys and never with their length, as each key is kept as 128 bits in typed arrays
 * (an open-addressing table, linear probing), never as a JS string in a Map.
 *
 * The fingerprint is MurmurHash3 x86_128 (public domain, Austin Appleby) with a per-run seed.
 * Two different keys are taken for one when all 128 bits agree: for n distinct keys the chance
 * of any such false match in a run is about n^2 / 2^129 (about 1.5e-25 for 10 million keys). It
 * is not a cryptographic hash: keys crafted to collide could be made to.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

const word = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

/** The 128-bit fingerprint of `bytes[start, end)`, as four 32-bit words in `out`. */
export function fingerprint(bytes: Uint8Array, start: number, end: number, seed: number, out: Int32Array): void {
  const len = end - start;
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;
  const blocksEnd = start + (len & ~15);
  let i = start;
  for (; i < blocksEnd; i += 16) {
    let k1 = word(bytes, i);
    let k2 = word(bytes, i + 4);
    let k3 = word(bytes, i + 8);
    let k4 = word(bytes, i + 12);
    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
    h1 = rotl(h1, 19); h1 = (h1 + h2) | 0; h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2;
    h2 = rotl(h2, 17); h2 = (h2 + h3) | 0; h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3;
    h3 = rotl(h3, 15); h3 = (h3 + h4) | 0; h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4;
    h4 = rotl(h4, 13); h4 = (h4 + h1) | 0; h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  const tail = len & 15;
  // The tail bytes, as the reference's fall-through switch takes them.
  for (let t = tail - 1; t >= 0; t--) {
    const b = bytes[i + t];
    if (t >= 12) k4 ^= b << ((t - 12) * 8);
    else if (t >= 8) k3 ^= b << ((t - 8) * 8);
    else if (t >= 4) k2 ^= b << ((t - 4) * 8);
    else k1 ^= b << (t * 8);
  }
  if (tail > 12) { k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4; }
  if (tail > 8) { k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3; }
  if (tail > 4) { k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2; }
  if (tail > 0) { k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1; }
  h1 ^= len; h2 ^= len; h3 ^= len; h4 ^= len;
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
  h1 = (h1 + h2) | 0; h1 = (h1 + h3) | 0; h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}

/** A run's seed: fingerprints are never stored, so they need not be stable between runs. */
export function runSeed(): number {
  return (Math.random() * 0x100000000) | 0;
}

const MAX_LOAD = 0.75;

/**
 * A set of 128-bit fingerprints, each given a dense index in the order first seen
 * (0, 1, 2, ...) for callers that keep something per key in arrays of their own. 16 bytes a
 * slot (20 with indexes), at most 75% full: about 27 bytes per distinct key at the worst
 * point of the table's growth, 13.3 million keys in 268 MB (16.7M slots).
 */
export class FingerprintTable {
  private slots: Int32Array;
  private indexes: Int32Array | undefined;
  private mask: number;
  private count = 0;
  /** True when the last `add()` found the key new. */
  added = false;

  constructor(
    initialSlots = 1 << 12,
    /** Keep dense indexes (`add()` returns them); without, `add()` returns 0 or -1. */
    private readonly withIndexes = false,
  ) {
    const n = 1 << Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.slots = new Int32Array(n * 4);
    this.indexes = withIndexes ? new Int32Array(n) : undefined;
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the table's arrays take. */
  get memoryBytes(): number {
    return this.slots.byteLength + (this.indexes?.byteLength ?? 0);
  }

  /**
   * Adds the fingerprint `fp` (4 words) unless present; sets `added`. Returns the key's dense
   * index (with indexes) or 0.
   */
  add(fp: Int32Array): number {
    // A first word of 0 marks a free slot: a fingerprint whose first word is 0 is stored with 1
    // (it then also matches the one whose first word is 1 and other 96 bits equal: a 2^-96 chance).
    const a = fp[0] === 0 ? 1 : fp[0];
    const b = fp[1];
    const c = fp[2];
    const d = fp[3];
    const slots = this.slots;
    let i = a & this.mask;
    for (;;) {
      const p = i * 4;
      const s0 = slots[p];
      if (s0 === 0) break;
      if (s0 === a && slots[p + 1] === b && slots[p + 2] === c && slots[p + 3] === d) {
        this.added = false;
        return this.indexes ? this.indexes[i] : 0;
      }
      i = (i + 1) & this.mask;
    }
    const p = i * 4;
    slots[p] = a;
    slots[p + 1] = b;
    slots[p + 2] = c;
    slots[p + 3] = d;
    const index = this.count++;
    if (this.indexes) this.indexes[i] = index;
    this.added = true;
    if (this.count > (this.mask + 1) * MAX_LOAD) this.grow();
    return index;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldIndexes = this.indexes;
    const n = (this.mask + 1) * 2;
    const slots = new Int32Array(n * 4);
    const indexes = this.withIndexes ? new Int32Array(n) : undefined;
    const mask = n - 1;
    const oldN = oldSlots.length / 4;
    for (let j = 0; j < oldN; j++) {
      const q = j * 4;
      const a = oldSlots[q];
      if (a === 0) continue;
      let i = a & mask;
      while (slots[i * 4] !== 0) i = (i + 1) & mask;
      const p = i * 4;
      slots[p] = a;
      slots[p + 1] = oldSlots[q + 1];
      slots[p + 2] = oldSlots[q + 2];
      slots[p + 3] = oldSlots[q + 3];
      if (indexes) indexes[i] = oldIndexes![j];
    }
    this.slots = slots;
    this.indexes = indexes;
    this.mask = mask;
  }
}
