/**
 * Workers read the profile index through SharedState, in place: the pool's workers (started
 * before the index is built, as a run starts its pool first) see every region's bytes as the
 * main thread wrote them, and a worker thread answers lookups from the shared memory with the
 * built worker module (dist/worker/lookup.js), as the independent computation does. The
 * worker-side lookup imports nothing of the main side. Uses the built code (dist/), as a run.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChunkPool } from '../src/pool/chunk-pool.js';
import type { WorkerInit } from '../src/protocol/messages.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { expectedSource } from './helpers/profile-keys.js';
import { generateProfiles, profilesCsv } from './helpers/profiles.js';
import { expectedMatch, incoming, jobFor, SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-index-worker-');
const pools: ChunkPool[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
  cleanup();
});

const { ChunkPool: Pool } = (await import(`${ROOT}/dist/pool/chunk-pool.js`)) as typeof import('../src/pool/chunk-pool.js');
const { SharedState } = (await import(`${ROOT}/dist/pool/shared-state.js`)) as typeof import('../src/pool/shared-state.js');
const { defineIndexRegions } = (await import(`${ROOT}/dist/reconcile/index-layout.js`)) as typeof import('../src/reconcile/index-layout.js');
const { buildProfileIndex } = (await import(`${ROOT}/dist/reconcile/index-build.js`)) as typeof import('../src/reconcile/index-build.js');
const { csvFileProfiles } = (await import(`${ROOT}/dist/reconcile/profiles/csv-file.js`)) as typeof import('../src/reconcile/profiles/csv-file.js');

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const ROWS = generateProfiles(1500, 5);
const path = join(dir, 'profiles.csv');
writeFileSync(path, profilesCsv(ROWS));

/** A worker thread of its own: builds a ProfileIndexView on `shared` and answers each source's IDs. */
const LOOKUP_WORKER = `
import { parentPort, workerData } from 'node:worker_threads';
const { ProfileIndexView } = await import(${JSON.stringify(`${ROOT}/dist/worker/lookup.js`)});
const view = new ProfileIndexView(workerData.shared);
const answers = workerData.ids.map((ids, s) => ids.map((id) => { const b = Buffer.from(id); return view.lookup(s, b, 0, b.length); }));
const fields = [0, 1, 2].map((f) => view.field(workerData.probe, f).toString());
parentPort.postMessage({ answers, fields, profiles: view.profiles, generation: view.generation });
`;

describe('the index in the workers', () => {
  it('pool workers started before the build see every region as the main thread wrote it, in place', async () => {
    const job = jobFor({ path }, dir);
    const state = new SharedState();
    const regions = defineIndexRegions(state, job.dataSources.length);
    const init: WorkerInit = { format: { name: 'csv', delimiter: 0x2c, quote: 0x22, escape: 0x22 }, maxRecordBytes: 1 << 20, keys: [], sha256: 'js', shared: state.buffers };
    const pool = new Pool(init, 2);
    pools.push(pool);
    const before = await pool.checkShared('profile-index:meta');
    expect(before).toMatchObject({ generation: 0, length: 0 });

    const report = await buildProfileIndex(job, csvFileProfiles(path), regions);
    expect(report.profiles).toBe(ROWS.length);
    const all = [regions.meta, regions.fields, regions.fieldEnds, ...regions.keys, ...regions.keyEnds, ...regions.owners, ...regions.slots];
    let total = 0;
    for (const region of all) {
      const length = new Int32Array(region.buffer, 0, 2)[1];
      total += length;
      const mine = new Uint8Array(region.buffer, 8, length);
      const seen = await Promise.all([pool.checkShared(region.name), pool.checkShared(region.name), pool.checkShared(region.name)]);
      for (const s of seen) expect(s, region.name).toMatchObject({ generation: 1, length, sha256: sha(mine) });
    }
    // The regions hold the index and the 32-byte meta header words, nothing else.
    expect(total).toBe(report.bytes + 4 * (8 + 8 * job.dataSources.length));
  });

  it('a worker thread answers every lookup from the shared memory as the independent computation does', async () => {
    const job = jobFor({ path }, dir);
    const state = new SharedState();
    const regions = defineIndexRegions(state, job.dataSources.length);
    await buildProfileIndex(job, csvFileProfiles(path), regions);
    const ids = SOURCES.map((_, s) => incoming(ROWS, s, 900 + s));
    const script = join(dir, 'lookup-worker.mjs');
    writeFileSync(script, LOOKUP_WORKER);
    const probe = 321;
    const result = await new Promise<{ answers: number[][]; fields: string[]; profiles: number; generation: number }>((resolve, reject) => {
      const w = new Worker(script, { workerData: { shared: state.buffers, ids, probe } });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    expect(result.profiles).toBe(ROWS.length);
    expect(result.generation).toBe(1);
    expect(result.fields).toEqual([ROWS[probe].recipient_id, ROWS[probe].first_name, ROWS[probe].crm_id]);
    SOURCES.forEach(({ rule, column }, s) => {
      const { first } = expectedSource(rule, ROWS.map((r) => r[column]));
      expect(result.answers[s], rule).toEqual(ids[s].map((id) => expectedMatch(rule, first, id)));
    });
  });

  it('the build gives the same bytes in every region read by 0, 1 or 2 worker threads, chunk after chunk in table order', async () => {
    // Bigger than one 1 MiB chunk of the build: the chunks' order matters for duplicates.
    const rows = generateProfiles(30_000, 9);
    const big = join(dir, 'big.csv');
    writeFileSync(big, profilesCsv(rows));
    const job = jobFor({ path: big }, dir);
    const digestOf = async (workers: number, sources?: number[]) => {
      const state = new SharedState();
      const regions = defineIndexRegions(state, job.dataSources.length);
      const report = await buildProfileIndex(job, csvFileProfiles(big), regions, { workers, ...(sources ? { sources } : {}) });
      const all = [regions.meta, regions.fields, regions.fieldEnds, ...regions.keys, ...regions.keyEnds, ...regions.owners, ...regions.slots];
      return { report, regions: all.map((r) => `${r.name} ${sha(new Uint8Array(r.buffer, 8, new Int32Array(r.buffer, 0, 2)[1]))}`) };
    };
    const inThread = await digestOf(0);
    expect(inThread.report.profiles).toBe(rows.length);
    expect(inThread.report.sources[0].duplicates).toBeGreaterThan(1000);
    for (const workers of [1, 2]) expect(await digestOf(workers)).toEqual(inThread);
    // Some sources only (what import-audience builds for --alias or a DPID): the workers read those keys alone, the bytes alike.
    const some = await digestOf(0, [0, 6]);
    expect(some.report.sources.map((x) => x.built)).toEqual(job.dataSources.map((_, i) => i === 0 || i === 6));
    for (const workers of [1, 2]) expect(await digestOf(workers, [0, 6])).toEqual(some);
    const empty = sha(new Uint8Array(0));
    some.regions.forEach((r, k) => {
      const [name, digest] = r.split(' ');
      const s = /s(\d+)-/.exec(name)?.[1];
      // The meta differs (the sources not built are marked so); the kept fields are the whole build's.
      if (s === undefined) {
        if (!name.endsWith(':meta')) expect(r, name).toBe(inThread.regions[k]);
      } else if (s === '0' || s === '6') expect(r, name).toBe(inThread.regions[k]);
      else expect(digest, name).toBe(empty);
    });
  });

  it('an aborted build stops reading, rejects with the abort and ends its workers (the test ends)', async () => {
    const rows = generateProfiles(30_000, 11);
    const big = join(dir, 'abort.csv');
    writeFileSync(big, profilesCsv(rows));
    const job = jobFor({ path: big }, dir);
    const controller = new AbortController();
    const source = csvFileProfiles(big);
    let chunks = 0;
    const slow = {
      description: source.description,
      async *bytes(signal?: AbortSignal) {
        for await (const b of source.bytes(signal)) {
          if (++chunks === 2) controller.abort(new Error('stop now'));
          yield b;
        }
      },
    };
    const state = new SharedState();
    await expect(buildProfileIndex(job, slow, defineIndexRegions(state, job.dataSources.length), { workers: 2, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(chunks).toBeLessThan(5);
  });

  it('a view of an index not yet published is refused (ERR_INTERNAL), not read as empty', async () => {
    const { ProfileIndexView } = (await import(`${ROOT}/dist/worker/lookup.js`)) as typeof import('../src/worker/lookup.js');
    const state = new SharedState();
    defineIndexRegions(state, 2);
    expect(() => new ProfileIndexView(state.buffers)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL', message: 'no profile index was published before it was read' }));
  });

  it("content written in place: ensureContent grows (bytes kept), publishWritten publishes without a copy, both refuse more than reserved", () => {
    const state = new SharedState();
    const region = state.region('in-place', 1 << 20);
    region.ensureContent(10);
    new Uint8Array(region.buffer, 8, 10).set(Buffer.from('0123456789'));
    region.ensureContent(4096);
    expect(Buffer.from(region.buffer, 8, 10).toString()).toBe('0123456789');
    expect(region.publishWritten(10)).toBe(1);
    expect(new Int32Array(region.buffer, 0, 2)[1]).toBe(10);
    expect(() => region.ensureContent((1 << 20) + 1)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    expect(() => region.publishWritten((1 << 20) + 1)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});

describe('the worker-side lookup imports nothing of the main side', () => {
  it('dist/worker/lookup.js and the build worker reach no src/reconcile, config, pipeline or pool module, nor zod or pg', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^(zod|pg|pg-copy-streams)($|\/)/);
        if (!spec.startsWith('.')) continue;
        const target = new URL(spec, `file://${file}`).pathname;
        expect(target, `${file} imports ${spec}`).not.toMatch(/\/dist\/(reconcile|config|pipeline|pool|cli)\//);
        visit(target);
      }
    };
    visit(join(ROOT, 'dist', 'worker', 'lookup.js'));
    visit(join(ROOT, 'dist', 'worker', 'lookup-build-entry.js'));
    expect([...seen].some((f) => f.endsWith('/dist/protocol/profile-index.js'))).toBe(true);
  });
});

describe('the build reading chunks in its workers and in this thread', () => {
  it('with one worker two chunks behind, this thread reads the next chunks itself, and every answer is what one thread alone gives, in order', async () => {
    const { inWorkers, inThread } = (await import(`${ROOT}/dist/reconcile/build-workers.js`)) as typeof import('../src/reconcile/build-workers.js');
    const layout = (await import(`${ROOT}/dist/protocol/profile-index.js`)) as typeof import('../src/protocol/profile-index.js');
    const plan = {
      lineEnd: 0x0a,
      fieldCount: 2,
      keptColumns: [0, 1],
      sources: [
        { column: 1, keys: layout.KEYS_DIGEST, form: layout.FORM_EXACT, hexIsDigest: false, hashed: true, held: layout.HELD_FINGERPRINT },
        { column: 1, keys: layout.KEYS_DIGEST, form: layout.FORM_EXACT, hexIsDigest: false, hashed: true, held: layout.HELD_FULL },
      ],
      defaultCountry: undefined,
      maxRecordBytes: 1 << 20,
    };
    // Chunk c: 500 records `p<c>-<i>,k<i mod 300>`, the last with an empty key and one with two fields too many.
    const chunk = (c: number): Buffer => Buffer.from(Array.from({ length: 500 }, (_, i) => (i === 7 ? 'a,b,c,d' : `p${c}-${i},${i === 499 ? '' : `k${(c * 500 + i) % 300}`}`)).join('\n') + '\n');
    const copy = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
    const view = (r: import('../src/worker/lookup-build.js').ChunkExtract) => ({
      profiles: r.profiles,
      lineFeeds: r.lineFeeds,
      flaws: [...r.flaws],
      fields: sha(r.fieldBytes),
      fieldEnds: [...r.fieldEnds],
      sources: r.sources.map((s) => ({ status: sha(s.status), keys: sha(s.keyBytes), length: s.keyBytes.length })),
    });
    const alone = inThread(plan);
    const expected = [];
    for (let c = 0; c < 6; c++) {
      const b = chunk(c);
      expected.push(view(await alone.read(copy(b), b.length)));
    }
    const shared = inWorkers(plan, 1, true);
    try {
      // All asked at once: the worker takes two, this thread the other four.
      const asked = Array.from({ length: 6 }, (_, c) => {
        const b = chunk(c);
        return shared.read(copy(b), b.length);
      });
      const answers = (await Promise.all(asked)).map(view);
      expect(shared.readHere).toBe(4);
      expect(answers).toEqual(expected);
      expect(expected[0].profiles).toBe(499);
      expect(expected[0].flaws).toEqual([7, 0]);
      // A fingerprint source gets 12 bytes a key, a full one 32.
      expect(expected[0].sources.map((s) => s.length)).toEqual([498 * 12, 498 * 32]);
    } finally {
      await shared.close();
    }
  });
});
