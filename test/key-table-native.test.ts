// The profile index's two loops in C (native/key_table.c) against the JavaScript ones: the
// build's insert (src/reconcile/key-table.ts): the same chunks of keys, with duplicates, empty and
// invalid keys, growing from the first table size and from a reserved one, must leave
// byte-identical entries, owners and slots, and the same counts; the workers' batch lookup
// (src/worker/lookup.ts lookupDecodedDigests): the same answer for every incoming ID.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedState } from '../src/pool/shared-state.js';
import { KEYS_DIGEST } from '../src/protocol/profile-index.js';
import { SHARED_HEADER_BYTES } from '../src/protocol/shared-layout.js';
import { buildProfileIndex } from '../src/reconcile/index-build.js';
import { defineIndexRegions } from '../src/reconcile/index-layout.js';
import { KeyTable, NATIVE_KEY_TABLE } from '../src/reconcile/key-table.js';
import { Prng } from '../src/tools/generate/prng.js';
import { csvFileProfiles } from '../src/reconcile/profiles/csv-file.js';
import { NATIVE_INDEX_FIND, ProfileIndexView } from '../src/worker/lookup.js';
import { KEY_EMPTY, KEY_INVALID, KEY_OK } from '../src/worker/lookup-key.js';
import { tempDir } from './helpers/cli.js';
import { generateProfiles, profilesCsv } from './helpers/profiles.js';
import { incoming, jobFor, SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-key-table-native-');
afterAll(cleanup);

interface Chunk {
  readonly d: Uint32Array;
  readonly stride: number;
  readonly status: Uint8Array;
  readonly first: number;
}

/** `chunks` chunks of `size` profiles: a share of duplicates (of any earlier key, or of one in the same chunk), empty and invalid keys; `stride` >= width words a key. */
function chunksOf(seed: number, chunks: number, size: number, width: number, stride: number): Chunk[] {
  const prng = new Prng(seed);
  const r = (): number => prng.u32();
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

  it('touches kept fields only where they are: profiles past the index or negative are passed over, bad arguments refused', async () => {
    const { createRequire } = await import('node:module');
    const addon = createRequire(import.meta.url)('../native/build/Release/sha256_batch.node') as { indexTouchFields: (...a: unknown[]) => unknown };
    const ends = Uint32Array.from([10, 20, 4_000_000_000]);
    const bytes = new Uint8Array(30);
    const profiles = Int32Array.from([-1, 0, 5, 11, 1_000_000, 2 ** 31 - 1, -5]);
    expect(addon.indexTouchFields(ends, bytes, 4, profiles, profiles.length)).toBeUndefined();
    expect(() => addon.indexTouchFields(ends, bytes, 0, profiles, 1)).toThrow(RangeError);
    expect(() => addon.indexTouchFields(ends, bytes, 4, profiles, profiles.length + 1)).toThrow(/out of range/);
    expect(() => addon.indexTouchFields(bytes, ends, 4, profiles, 1)).toThrow(/bad arguments/);
  });
});

describe('the native batch lookup of the workers', () => {
  it('is built and loaded by the install (npm ci)', () => {
    expect(NATIVE_INDEX_FIND).toBe(true);
  });

  for (const fullKeys of [false, true]) {
    it(`answers every incoming ID as the JavaScript passes do and as lookup() does (${fullKeys ? 'digests held in full' : 'fingerprints'})`, async () => {
      const rows = generateProfiles(3000, 21);
      const path = join(dir, `find-${fullKeys}.csv`);
      writeFileSync(path, profilesCsv(rows, { seed: 21 }));
      const job = jobFor({ path }, dir);
      const state = new SharedState();
      await buildProfileIndex(job, csvFileProfiles(path), defineIndexRegions(state, job.dataSources.length), { workers: 0, fullKeys });
      const view = new ProfileIndexView(state.buffers);
      let digestSources = 0;
      let found = 0;
      SOURCES.forEach((_, s) => {
        if (view.keysOf(s) !== KEYS_DIGEST) return;
        digestSources++;
        // The 64-hex-digit IDs, decoded as the matcher does: ID j's digest at d[8 * at[j]], in a shuffled order.
        const ids = incoming(rows, s, 500 + s).map((id) => id.trim()).filter((id) => /^[0-9a-f]{64}$/i.test(id));
        const d = new Uint32Array(8 * ids.length);
        ids.forEach((id, j) => Buffer.from(d.buffer).set(Buffer.from(id, 'hex'), 32 * j));
        const at = Int32Array.from(ids.map((_, j) => (j * 7919) % ids.length));
        expect(new Set(at).size).toBe(ids.length);
        const native = new Int32Array(ids.length);
        const js = new Int32Array(ids.length);
        view.lookupDecodedDigests(s, d, at, ids.length, native);
        view.lookupDecodedDigests(s, d, at, ids.length, js, false);
        expect(Array.from(native)).toEqual(Array.from(js));
        for (let j = 0; j < ids.length; j++) {
          const id = Buffer.from(ids[at[j]], 'latin1');
          expect(native[j]).toBe(view.lookup(s, id, 0, id.length));
          if (native[j] >= 0) found++;
        }
      });
      expect(digestSources).toBeGreaterThanOrEqual(5);
      expect(found).toBeGreaterThan(digestSources * 1000);
    });
  }
});
