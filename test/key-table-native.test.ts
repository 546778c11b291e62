// The profile index's insert loop in C (native/key_table.c) against the JavaScript one
// (src/reconcile/key-table.ts): the same chunks of keys, with duplicates, empty and invalid keys,
// growing from the first table size and from a reserved one, must leave byte-identical entries,
// owners and slots, and the same counts.
import { describe, expect, it } from 'vitest';
import { SharedState } from '../src/pool/shared-state.js';
import { SHARED_HEADER_BYTES } from '../src/protocol/shared-layout.js';
import { defineIndexRegions } from '../src/reconcile/index-layout.js';
import { KeyTable, NATIVE_KEY_TABLE } from '../src/reconcile/key-table.js';
import { KEY_EMPTY, KEY_INVALID, KEY_OK } from '../src/worker/lookup-key.js';

/** mulberry32 */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

interface Chunk {
  readonly d: Uint32Array;
  readonly stride: number;
  readonly status: Uint8Array;
  readonly first: number;
}

/** `chunks` chunks of `size` profiles: a share of duplicates (of any earlier key, or of one in the same chunk), empty and invalid keys; `stride` >= width words a key. */
function chunksOf(seed: number, chunks: number, size: number, width: number, stride: number): Chunk[] {
  const r = prng(seed);
  const seen: Uint32Array[] = [];
  const out: Chunk[] = [];
  let first = 0;
  for (let c = 0; c < chunks; c++) {
    const status = new Uint8Array(size);
    const keys: Uint32Array[] = [];
    for (let i = 0; i < size; i++) {
      const roll = r() % 100;
      if (roll < 5) status[i] = KEY_EMPTY;
      else if (roll < 8) status[i] = KEY_INVALID;
      else {
        status[i] = KEY_OK;
        let key: Uint32Array;
        if (roll < 30 && seen.length > 0) key = seen[r() % seen.length];
        else {
          key = new Uint32Array(width);
          for (let j = 0; j < width; j++) key[j] = r();
          // A few keys share their first word (the hash) with another: the probe must compare them all.
          if (roll > 95 && seen.length > 0) key[0] = seen[r() % seen.length][0];
          seen.push(key);
        }
        keys.push(key);
      }
    }
    const d = new Uint32Array(keys.length * stride);
    keys.forEach((k, i) => d.set(k, i * stride));
    out.push({ d, stride, status, first });
    first += size;
  }
  return out;
}

function build(width: number, chunks: readonly Chunk[], native: boolean, reserve?: number) {
  const state = new SharedState();
  const regions = defineIndexRegions(state, 1);
  const table = new KeyTable(width, { keys: regions.keys[0], keyEnds: regions.keyEnds[0], owners: regions.owners[0] }, regions.slots[0]);
  if (reserve !== undefined) table.reserve(reserve);
  const counts = { empty: 0, invalid: 0 };
  for (const c of chunks) table.addDigests(c.d, c.stride, c.status, c.status.length, c.first, counts, native);
  const bytes = table.publish();
  const region = (r: { buffer: SharedArrayBuffer }, n: number) => Buffer.from(r.buffer, SHARED_HEADER_BYTES, n);
  return {
    entries: table.entries,
    slots: table.slotCount,
    duplicates: table.duplicates,
    counts,
    bytes,
    keys: region(regions.keys[0], 4 * width * table.entries),
    owners: region(regions.owners[0], 4 * table.entries),
    slotBytes: region(regions.slots[0], 4 * table.slotCount),
  };
}

describe('the native insert loop of the profile index', () => {
  it('is built and loaded by the install (npm ci)', () => {
    expect(NATIVE_KEY_TABLE).toBe(true);
  });

  for (const [width, stride] of [
    [3, 3],
    [3, 8],
    [8, 8],
  ] as const) {
    it(`makes the table the JavaScript loop makes: width ${width}, stride ${stride}, growing from the first size`, () => {
      const chunks = chunksOf(width * 10 + stride, 12, 3000, width, stride);
      const js = build(width, chunks, false);
      const c = build(width, chunks, true);
      expect(js.slots).toBeGreaterThan(1024); // it grew
      expect(js.duplicates).toBeGreaterThan(0);
      expect(c.entries).toBe(js.entries);
      expect(c.duplicates).toBe(js.duplicates);
      expect(c.counts).toEqual(js.counts);
      expect(c.slots).toBe(js.slots);
      expect(c.bytes).toBe(js.bytes);
      expect(c.keys.equals(js.keys)).toBe(true);
      expect(c.owners.equals(js.owners)).toBe(true);
      expect(c.slotBytes.equals(js.slotBytes)).toBe(true);
    });
  }

  it('makes the same table in a reserved size, with independent counts that add up', () => {
    const chunks = chunksOf(7, 8, 5000, 3, 3);
    const js = build(3, chunks, false, 40_000);
    const c = build(3, chunks, true, 40_000);
    expect(c.slotBytes.equals(js.slotBytes)).toBe(true);
    expect(c.keys.equals(js.keys)).toBe(true);
    expect(c.owners.equals(js.owners)).toBe(true);
    // The counts from the chunks themselves: every profile is an entry, a duplicate, empty or invalid.
    let ok = 0;
    const distinct = new Set<string>();
    for (const ch of chunks) {
      let k = 0;
      for (let i = 0; i < ch.status.length; i++) {
        if (ch.status[i] !== KEY_OK) continue;
        ok++;
        distinct.add(Array.from(ch.d.subarray(k * ch.stride, k * ch.stride + 3)).join(','));
        k++;
      }
    }
    expect(c.entries).toBe(distinct.size);
    expect(c.entries + c.duplicates).toBe(ok);
    expect(c.entries + c.duplicates + c.counts.empty + c.counts.invalid).toBe(8 * 5000);
  });

  it('refuses arguments that do not fit, having written nothing', async () => {
    const { createRequire } = await import('node:module');
    const addon = createRequire(import.meta.url)('../native/build/Release/sha256_batch.node') as { keyTableAdd: (...a: unknown[]) => number };
    const slots = new Int32Array(16);
    const keys = new Uint32Array(3);
    const owners = new Uint32Array(1);
    const d = new Uint32Array([1, 2, 3, 4, 5, 6]);
    const status = new Uint8Array(2);
    // Two keys, room for one entry.
    expect(() => addon.keyTableAdd(slots, 16, keys, 3, owners, 0, d, 3, status, 2, 0, 1000)).toThrow(RangeError);
    expect(slots.every((v) => v === 0)).toBe(true);
    expect(() => addon.keyTableAdd(slots, 17, keys, 3, owners, 0, d, 3, status, 1, 0, 1000)).toThrow(/out of range/);
  });
});
