/**
 * --dedup-key: first record in input order wins (one pass), or with --dedup-order the greatest
 * value of that column wins, ties by input order (two passes through a spool); duplicates are
 * counted (recordsDeduplicated), written to --duplicates with their lines and output bytes, and
 * the counts add up. Keys are compared as output (the probe values).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FingerprintTable, fingerprint } from '../src/pipeline/dedup-fingerprint.js';
import { chunkOf, filesIn, linesOf, route, type Rec } from './helpers/routed.js';

let dir: string;
let spoolDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ap-dedup-'));
  spoolDir = mkdtempSync(join(tmpdir(), 'ap-dedup-spool-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(spoolDir, { recursive: true, force: true });
});

const columns = ['id', 'email', 'ts'];
/** Probes in the plan's order: the key (email), then the order column (ts) when asked. */
const rec = (id: number, email: string, ts: string): Rec => ({ out: `${id},${email},${ts}`, probes: [email, ts] });
const keyOnly = (id: number, email: string, ts: string): Rec => ({ out: `${id},${email},${ts}`, probes: [email] });

describe('--dedup-key, first record wins', () => {
  it('keeps the first of each key in input order, across chunks; counts and the duplicates file', async () => {
    const all = [keyOnly(1, 'h1', 't'), keyOnly(2, 'h2', 't'), keyOnly(3, 'h1', 't'), keyOnly(4, 'h3', 't'), keyOnly(5, 'h2', 't'), keyOnly(6, 'h1', 't')];
    const duplicates = join(dir, '..', `${dir.split('/').pop()}-dups.csv`);
    const { error, accounting } = await route({ dir, settings: { dedupKey: ['email'] }, columns, chunks: [chunkOf(all.slice(0, 4), 1), chunkOf(all.slice(4), 5)], header: 'id,email,ts', duplicates });
    expect(error).toBeUndefined();
    expect(linesOf(join(dir, 'seg.csv'))).toEqual(['id,email,ts', '1,h1,t', '2,h2,t', '4,h3,t']);
    expect(accounting.recordsIn).toBe(6);
    expect(accounting.recordsOut).toBe(3);
    expect(accounting.recordsDeduplicated).toBe(3);
    expect(accounting.imbalance()).toBeNull();
    // Lines: the header is line 1 (lineBase counts its line feed).
    expect(readFileSync(duplicates, 'utf8')).toBe('line,column,reason,record\n4,email,duplicate,"3,h1,t"\n6,email,duplicate,"5,h2,t"\n7,email,duplicate,"6,h1,t"\n');
    rmSync(duplicates);
  });

  it('two key columns: a key is the pair (a value of one column never matches one of the other)', async () => {
    const r = (id: number, a: string, b: string): Rec => ({ out: `${id},${a},${b}`, probes: [a, b] });
    // "ab"+"c" and "a"+"bc" are different keys.
    const all = [r(1, 'ab', 'c'), r(2, 'a', 'bc'), r(3, 'ab', 'c'), r(4, 'a', 'bc'), r(5, 'x', 'y')];
    const { error, accounting } = await route({ dir, settings: { dedupKey: ['email', 'ts'] }, columns, chunks: [chunkOf(all)] });
    expect(error).toBeUndefined();
    expect(linesOf(join(dir, 'seg.csv'))).toEqual(['1,ab,c', '2,a,bc', '5,x,y']);
    expect(accounting.recordsDeduplicated).toBe(2);
  });

  it('an empty key that reaches routing is rejected missing_mandatory (never a key of its own)', async () => {
    const rejects = join(spoolDir, 'rejects.csv');
    const all = [keyOnly(1, '', 't'), keyOnly(2, 'h', 't'), keyOnly(3, '', 't')];
    const { error, accounting } = await route({ dir, settings: { dedupKey: ['email'] }, columns, chunks: [chunkOf(all)], rejects });
    expect(error).toBeUndefined();
    expect(linesOf(join(dir, 'seg.csv'))).toEqual(['2,h,t']);
    expect(accounting.recordsRejected).toBe(2);
    expect(accounting.rejectReasons).toEqual({ missing_mandatory: 2 });
    expect(readFileSync(rejects, 'utf8')).toBe('line,column,reason,record\n1,email,missing_mandatory,"1,,t"\n3,email,missing_mandatory,"3,,t"\n');
    expect(accounting.imbalance()).toBeNull();
  });
});

describe('--dedup-order: the greatest value wins, ties by input order', () => {
  it('keeps the latest timestamp per key, the earlier record among equal ones, output in input order', async () => {
    const all = [
      rec(1, 'a', '2024-01-02T00:00:00Z'),
      rec(2, 'b', '2024-03-01T00:00:00Z'),
      rec(3, 'a', '2024-05-01T00:00:00Z'), // a's winner
      rec(4, 'c', '2024-01-01T00:00:00Z'), // c's winner (ties with 6, earlier)
      rec(5, 'b', '2024-02-01T00:00:00Z'),
      rec(6, 'c', '2024-01-01T00:00:00Z'),
      rec(7, 'a', '2024-04-30T23:59:59Z'),
      rec(8, 'b', '2024-03-01T00:00:00Z'), // ties with 2: 2 stays
    ];
    const duplicates = join(spoolDir, 'dups.csv');
    const { error, accounting } = await route({
      dir,
      settings: { dedupKey: ['email'], dedupOrder: 'ts', tmpDir: spoolDir },
      columns,
      chunks: [chunkOf(all.slice(0, 3), 1), chunkOf(all.slice(3, 6), 4), chunkOf(all.slice(6), 7)],
      header: 'id,email,ts',
      duplicates,
    });
    expect(error).toBeUndefined();
    expect(linesOf(join(dir, 'seg.csv'))).toEqual(['id,email,ts', '2,b,2024-03-01T00:00:00Z', '3,a,2024-05-01T00:00:00Z', '4,c,2024-01-01T00:00:00Z']);
    expect(accounting.recordsDeduplicated).toBe(5);
    expect(accounting.recordsOut).toBe(3);
    expect(accounting.imbalance()).toBeNull();
    expect(readFileSync(duplicates, 'utf8').split('\n').slice(1, -1).map((l) => l.split(',')[0])).toEqual(['2', '6', '7', '8', '9']);
    expect(readFileSync(duplicates, 'utf8').split('\n')[1]).toBe('2,email,duplicate,"1,a,2024-01-02T00:00:00Z"');
    // The spool is gone.
    expect(readdirSync(spoolDir).filter((n) => n.startsWith('audience-pipe-dedup-'))).toEqual([]);
  });

  it('text comparison: a longer value with the same start is greater; values longer than 32 bytes compare in full', async () => {
    const long = (s: string) => `${'2024-01-01T00:00:00.000000000+00:00'}${s}`;
    const all = [rec(1, 'k', '2024'), rec(2, 'k', '2024-01'), rec(3, 'j', long('a')), rec(4, 'j', long('b')), rec(5, 'j', long('a'))];
    const { error } = await route({ dir, settings: { dedupKey: ['email'], dedupOrder: 'ts', tmpDir: spoolDir }, columns, chunks: [chunkOf(all)] });
    expect(error).toBeUndefined();
    expect(linesOf(join(dir, 'seg.csv')).map((l) => l.split(',')[0])).toEqual(['2', '4']);
  });

  it('over 65,536 keys (several pages) with a longer value arriving late (every page laid out again): winners as computed here', async () => {
    const keys = 70_000;
    const all: Rec[] = [];
    // Each key twice: first with a short value, then with a value that wins on odd keys only.
    for (let k = 0; k < keys; k++) all.push(rec(k, `k${k}`, 'm'));
    for (let k = 0; k < keys; k++) all.push(rec(keys + k, `k${k}`, k === keys - 1 ? `n${'x'.repeat(100)}` : k % 2 ? 'n' : 'a'));
    const chunks = Array.from({ length: Math.ceil(all.length / 10_000) }, (_, c) => chunkOf(all.slice(c * 10_000, c * 10_000 + 10_000), c * 10_000));
    const { error, accounting } = await route({ dir, settings: { dedupKey: ['email'], dedupOrder: 'ts', tmpDir: spoolDir }, columns, chunks });
    expect(error).toBeUndefined();
    const expected = [...Array.from({ length: keys }, (_, k) => k).filter((k) => k % 2 === 0 && k !== keys - 1), ...Array.from({ length: keys }, (_, k) => k).filter((k) => k % 2 === 1 || k === keys - 1).map((k) => keys + k)];
    expect(linesOf(join(dir, 'seg.csv')).map((l) => Number(l.split(',')[0]))).toEqual(expected);
    expect(accounting.recordsDeduplicated).toBe(keys);
  });

  it('with --partition-by a key is one per partition: the same key in two audiences is kept in each (first wins and --dedup-order)', async () => {
    const r = (id: number, email: string, ts: string, seg: string): Rec => ({ out: `${id},${email},${ts},${seg}`, probes: [email, ts, seg] });
    const all = [r(1, 'a', '1', 's1'), r(2, 'a', '1', 's2'), r(3, 'a', '2', 's1'), r(4, 'a', '3', 's2'), r(5, 'b', '1', 's2')];
    const cols = ['id', 'email', 'ts', 'seg'];
    const first = await route({ dir, settings: { dedupKey: ['email'], partitionBy: 'seg' }, columns: cols, chunks: [chunkOf(all.map((x) => ({ out: x.out, probes: [x.probes![0], x.probes![2]] })))] });
    expect(first.error).toBeUndefined();
    expect(linesOf(join(dir, 'seg_s1.csv'))).toEqual(['1,a,1,s1']);
    expect(linesOf(join(dir, 'seg_s2.csv'))).toEqual(['2,a,1,s2', '5,b,1,s2']);
    expect(first.accounting.recordsDeduplicated).toBe(2);
    rmSync(join(dir, 'seg_s1.csv'));
    rmSync(join(dir, 'seg_s2.csv'));
    const ordered = await route({ dir, settings: { dedupKey: ['email'], dedupOrder: 'ts', partitionBy: 'seg', tmpDir: spoolDir }, columns: cols, chunks: [chunkOf(all)] });
    expect(ordered.error).toBeUndefined();
    expect(linesOf(join(dir, 'seg_s1.csv'))).toEqual(['3,a,2,s1']);
    expect(linesOf(join(dir, 'seg_s2.csv'))).toEqual(['4,a,3,s2', '5,b,1,s2']);
  });

  it('with partitions and splits after dedup: the winners routed as usual', async () => {
    const r = (id: number, email: string, ts: string, seg: string): Rec => ({ out: `${id},${email},${ts},${seg}`, probes: [email, ts, seg] });
    const all = [r(1, 'a', '1', 's1'), r(2, 'a', '2', 's1'), r(3, 'b', '1', 's2'), r(4, 'c', '1', 's1'), r(5, 'd', '1', 's1')];
    const { error, accounting } = await route({
      dir,
      settings: { dedupKey: ['email'], dedupOrder: 'ts', partitionBy: 'seg', splitRows: 2, tmpDir: spoolDir },
      columns: ['id', 'email', 'ts', 'seg'],
      chunks: [chunkOf(all)],
    });
    expect(error).toBeUndefined();
    expect(filesIn(dir)).toEqual(['seg_s1.csv', 'seg_s1_2.csv', 'seg_s2.csv']);
    expect(linesOf(join(dir, 'seg_s1.csv'))).toEqual(['2,a,2,s1', '4,c,1,s1']);
    expect(linesOf(join(dir, 'seg_s1_2.csv'))).toEqual(['5,d,1,s1']);
    expect(accounting.files!.reduce((n, f) => n + f.records, 0)).toBe(accounting.recordsOut);
  });

  it('a failure during pass 1 publishes nothing and removes the spool', async () => {
    const all = Array.from({ length: 9 }, (_, i) => rec(i, `k${i % 3}`, String(i)));
    const { error } = await route({ dir, settings: { dedupKey: ['email'], dedupOrder: 'ts', tmpDir: spoolDir }, columns, chunks: [chunkOf(all.slice(0, 3)), chunkOf(all.slice(3, 6), 3), chunkOf(all.slice(6), 6)], failAfter: 2 });
    expect((error as Error).message).toBe('injected failure');
    expect(filesIn(dir)).toEqual([]);
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('a --tmp-dir that does not exist: ERR_SPOOL naming it', async () => {
    const { error } = await route({ dir, settings: { dedupKey: ['email'], dedupOrder: 'ts', tmpDir: join(spoolDir, 'missing') }, columns, chunks: [chunkOf([rec(1, 'a', '1')])] });
    expect(error).toMatchObject({ code: 'ERR_SPOOL', exitCode: 1 });
    expect((error as Error).message).toContain(`cannot create the --dedup-order spool in ${join(spoolDir, 'missing')}: ENOENT`);
  });
});

describe('the fingerprint table', () => {
  it('tells every one of 200,000 distinct keys apart and finds each again, across growth', () => {
    const table = new FingerprintTable(16, true);
    const fp = new Int32Array(4);
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const b = Buffer.from(`key-${i}`);
      fingerprint(b, 0, b.length, 42, fp);
      expect(table.add(fp)).toBe(i);
      expect(table.added).toBe(true);
    }
    for (let i = 0; i < n; i += 997) {
      const b = Buffer.from(`key-${i}`);
      fingerprint(b, 0, b.length, 42, fp);
      expect(table.add(fp)).toBe(i);
      expect(table.added).toBe(false);
    }
    expect(table.size).toBe(n);
  });

  it('memory per key stays within 16 bytes / 0.375 load, whatever the keys\' length (here 2,000,000 keys of 200 bytes)', () => {
    const table = new FingerprintTable();
    const fp = new Int32Array(4);
    const key = Buffer.alloc(200, 0x61);
    for (let i = 0; i < 2_000_000; i++) {
      key.writeUInt32LE(i, 0);
      fingerprint(key, 0, key.length, 7, fp);
      table.add(fp);
    }
    expect(table.size).toBe(2_000_000);
    // 2M keys at most 75% of the slots: 4,194,304 slots of 16 bytes (2^22), 33.5 bytes a key.
    expect(table.memoryBytes).toBe(4_194_304 * 16);
    // At 10M keys: 2^24 slots, 268 MB (README: Deduplication).
    expect(2 ** Math.ceil(Math.log2(10_000_000 / 0.75)) * 16).toBe(268_435_456);
  });

  it('MurmurHash3 x86_128 gives the reference vectors', () => {
    const fp = new Int32Array(4);
    const hex = (s: string, seed: number) => {
      const b = Buffer.from(s);
      fingerprint(b, 0, b.length, seed, fp);
      return Array.from(fp, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
    };
    // Vectors of the reference implementation (smhasher), h1..h4 as 32-bit words.
    expect(hex('', 0)).toBe('00000000000000000000000000000000');
    expect(hex('', 1)).not.toBe(hex('', 2));
    expect(hex('The quick brown fox jumps over the lazy dog', 0)).toBe('2f1583c3ecee2c675d7bf66ce5e91d2c');
  });
});
