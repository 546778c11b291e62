/**
 * The index holds 96-bit fingerprints of the keys by default, full keys with
 * BuildOptions.fullKeys (src/protocol/profile-index.ts, "False matches"). The two must agree on
 * seeded tables, every protection kind (a differential test), and the fingerprint path must use
 * all 96 bits: keys sharing the slot and the tag, or 64 of the bits, are told apart. What the
 * 96 bits cannot see (a difference past them) is shown here as the stated trade, not hidden.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedState } from '../src/pool/shared-state.js';
import { buildProfileIndex, type BuildOptions } from '../src/reconcile/index-build.js';
import { defineIndexRegions } from '../src/reconcile/index-layout.js';
import { parseJob } from '../src/reconcile/job-file.js';
import type { ReconcileJob } from '../src/reconcile/job-types.js';
import { csvFileProfiles } from '../src/reconcile/profiles/csv-file.js';
import { FIRST_SLOTS, indexRegion, M_HEADER_WORDS, M_SOURCE_WORDS, MAX_LOAD, S_SLOTS, slotHome } from '../src/protocol/profile-index.js';
import { ProfileIndexView } from '../src/worker/lookup.js';
import { readShared } from '../src/worker/shared.js';
import { tempDir } from './helpers/cli.js';
import { generateProfiles, profilesCsv } from './helpers/profiles.js';
import { incoming, jobFor, SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-index-fp-');
afterAll(cleanup);

async function buildWith(job: ReconcileJob, path: string, opts: BuildOptions) {
  const state = new SharedState();
  const report = await buildProfileIndex(job, csvFileProfiles(path), defineIndexRegions(state, job.dataSources.length), { workers: 0, ...opts });
  return { report, view: new ProfileIndexView(state.buffers) };
}

const lookup = (view: ProfileIndexView, s: number, id: string): number => {
  const b = Buffer.from(id, 'utf8');
  return view.lookup(s, b, 0, b.length);
};

describe('fingerprints against full keys (differential)', () => {
  for (const seed of [7, 8, 9]) {
    it(`seed ${seed}: the same counts, the same answer to every incoming ID, the same kept fields, in far fewer bytes`, async () => {
      const rows = generateProfiles(2500, seed);
      const path = join(dir, `seeded-${seed}.csv`);
      writeFileSync(path, profilesCsv(rows, { seed }));
      const job = jobFor({ path }, dir);
      const fp = await buildWith(job, path, {});
      const full = await buildWith(job, path, { fullKeys: true });
      expect(fp.report.sources).toEqual(full.report.sources);
      expect(fp.report.profiles).toBe(rows.length);
      // Duplicates and empties are there to be counted alike (the generator makes them).
      expect(fp.report.sources.some((s) => s.duplicates > 20)).toBe(true);
      expect(fp.report.sources.every((s) => s.empty > 0)).toBe(true);
      let answered = 0;
      SOURCES.forEach((_, s) => {
        const differ: string[] = [];
        for (const id of incoming(rows, s, seed * 100 + s)) {
          const a = lookup(fp.view, s, id);
          const b = lookup(full.view, s, id);
          if (a !== b) differ.push(`${JSON.stringify(id)}: ${a} vs ${b}`);
          if (b >= 0) answered++;
        }
        expect(differ, `source ${s} (${SOURCES[s].rule})`).toEqual([]);
      });
      expect(answered).toBeGreaterThan(SOURCES.length * rows.length * 0.5);
      for (let p = 0; p < rows.length; p++) {
        for (let f = 0; f < 3; f++) expect(fp.view.field(p, f).equals(full.view.field(p, f))).toBe(true);
      }
      // 12 bytes an entry against 32 (digests) or the text and its end.
      expect(fp.report.bytes).toBeLessThan(0.75 * full.report.bytes);
    });
  }
});

describe('keys that share bits of their fingerprint', () => {
  /** A digest as hex from its 8 words (little-endian, as the index reads the bytes). */
  const hexOf = (words: number[]): string => Buffer.from(Uint32Array.from(words).buffer).toString('hex');
  const digest = createHash('sha256').update('base').digest();
  const base = Array.from({ length: 8 }, (_, i) => digest.readUInt32LE(4 * i));
  const variant = (w: number, xor: number): string => hexOf(base.map((v, i) => (i === w ? (v ^ xor) >>> 0 : v)));
  // email_lc_sha256 takes a 64-hex-digit value as the digest itself: the profile table can hold chosen digests.
  const table = [
    hexOf(base), // R0
    variant(1, 1), // R1: the same first word (slot and tag), another second word
    variant(2, 0x80000000), // R2: the same first 64 bits, another third word
    variant(3, 1), // R3: the same 96 bits, another fourth word: one fingerprint with R0
    variant(7, 0x10), // R4: the same 96 bits again, another last word
  ];
  const path = join(dir, 'chosen.csv');
  writeFileSync(path, ['recipient_id,email', ...table.map((d, i) => `R${i},${d}`)].join('\n') + '\n');
  const job = (): ReconcileJob => parseJob({
    profiles: { path, id: 'recipient_id', email: 'email', fields: [] },
    dataSources: [{ label: 'hashed e-mail', alias: 'H', type: 'declared', key: 'email', protection: { hash: 'email_lc_sha256' }, priority: 1 }],
  }, { baseDir: dir });

  it('a key differing from an indexed one in any of the 96 bits (the slot and tag alike) is another key: indexed apart, and an ID of it finds its own profile', async () => {
    const { report, view } = await buildWith(job(), path, {});
    expect(report.sources[0]).toMatchObject({ indexed: 3, duplicates: 2, empty: 0, invalid: 0 });
    expect([0, 1, 2].map((p) => lookup(view, 0, table[p]))).toEqual([0, 1, 2]);
    expect(lookup(view, 0, table[1].toUpperCase())).toBe(1);
    // Differing in the first word's low bit only (the same home slot, another tag): no profile.
    expect(lookup(view, 0, variant(0, 1))).toBe(-1);
    // Differing in the first word's top bit only (another home, the same tag): no profile.
    expect(lookup(view, 0, variant(0, 0x80000000))).toBe(-1);
    expect(lookup(view, 0, variant(2, 1))).toBe(-1);
  });

  it('past the 96 bits the fingerprint cannot see (the stated 2^-96 per key and ID): full keys tell those apart, fingerprints take the first profile', async () => {
    const full = await buildWith(job(), path, { fullKeys: true });
    expect(full.report.sources[0]).toMatchObject({ indexed: 5, duplicates: 0 });
    expect(table.map((d) => lookup(full.view, 0, d))).toEqual([0, 1, 2, 3, 4]);
    expect(lookup(full.view, 0, variant(5, 1))).toBe(-1);
    const fp = await buildWith(job(), path, {});
    // Crafted here; SHA-256 makes two real keys agree on 96 bits with odds of 2^-96 a pair.
    expect([3, 4].map((p) => lookup(fp.view, 0, table[p]))).toEqual([0, 0]);
    expect(lookup(fp.view, 0, variant(5, 1))).toBe(0);
  });
});

describe('slot tables sized to the table', () => {
  it('slotHome stays below the slot count for the extreme hashes and sizes, and spreads hashes evenly', () => {
    for (const slots of [FIRST_SLOTS, 1025, 3 * FIRST_SLOTS, 14_286_848, 2 ** 26 + 1024, 2 ** 30]) {
      for (const hash of [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
        const home = slotHome(hash, slots);
        expect(Number.isInteger(home) && home >= 0 && home < slots, `${hash} in ${slots}`).toBe(true);
      }
      expect(slotHome(0xffffffff, slots)).toBe(slots - 1);
    }
    const counts = new Uint32Array(10);
    for (let h = 0; h < 2 ** 32; h += 65_537) counts[slotHome(h, 10)]++;
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('a table of known size ends at most 70% full and not much less (no power of two), answering as before', async () => {
    const rows = generateProfiles(30_000, 11);
    const path = join(dir, 'sized.csv');
    writeFileSync(path, profilesCsv(rows, { seed: 11 }));
    const job = jobFor({ path }, dir);
    const state = new SharedState();
    const regions = defineIndexRegions(state, job.dataSources.length);
    const report = await buildProfileIndex(job, csvFileProfiles(path), regions, { workers: 0 });
    const meta = new Uint32Array(readShared(state.buffers, indexRegion.meta).bytes.slice().buffer);
    report.sources.forEach((s, i) => {
      const slots = meta[M_HEADER_WORDS + i * M_SOURCE_WORDS + S_SLOTS];
      expect(readShared(state.buffers, indexRegion.slots(i)).bytes.length).toBe(4 * slots);
      expect(s.indexed / slots, `source ${i}`).toBeLessThanOrEqual(MAX_LOAD);
      // Sized once from the first chunk's estimate of each source's keys (10% to spare), never doubled.
      if (s.indexed > 5000) expect(s.indexed / slots, `source ${i}`).toBeGreaterThan(0.4);
    });
    const full = await buildWith(job, path, { fullKeys: true });
    const view = new ProfileIndexView(state.buffers);
    SOURCES.forEach((_, s) => {
      for (const id of incoming(rows, s, 5).slice(0, 3000)) expect(lookup(view, s, id)).toBe(lookup(full.view, s, id));
    });
  });
});
