/**
 * Seeded random inputs (quotes, commas, embedded CR/LF, non-ASCII, empty fields) through
 * --partition-by with --split-rows or --split-bytes, with 1 and 3 workers and small chunks: read
 * back with csv-parse, each partition's files hold exactly its input records in input order, no
 * file passes its limit, every file starts with the header, and no record is in two files.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-partition-prop-');
afterAll(cleanup);

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', '€', 'xyz', ''];
const SEGMENTS = ['gold', 'silver', 'bronze', 'tin'];
const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

function input(seed: number, rows: number): { csv: string; records: string[][] } {
  const r = rng(seed);
  const records: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const note = Array.from({ length: Math.floor(r() * 6) }, () => PIECES[Math.floor(r() * PIECES.length)]).join('');
    records.push([String(i), SEGMENTS[Math.floor(r() * SEGMENTS.length)], note]);
  }
  return { csv: `id,seg,note\n${records.map((f) => f.map(quote).join(',')).join('\n')}\n`, records };
}

describe.each([
  { seed: 1, workers: 1, split: ['--split-rows', '7'] },
  { seed: 2, workers: 3, split: ['--split-rows', '13'] },
  { seed: 3, workers: 3, split: ['--split-bytes', '300'] },
  { seed: 4, workers: 1, split: ['--split-bytes', '120'] },
])('seed $seed, $workers worker(s), $split', ({ seed, workers, split }) => {
  it('each partition holds its records in order, split within the limit, none cut or repeated', async () => {
    const { csv, records } = input(seed, 240);
    const path = join(dir, `in-${seed}.csv`);
    writeFileSync(path, csv);
    const out = join(dir, `out-${seed}`);
    mkdirSync(out);
    const report = join(dir, `report-${seed}.json`);
    const r = await runCli(['process', '--in', path, '--out', `${out}/`, '--name', 'p.csv', '--partition-by', 'seg', ...split, '--passthrough', '--workers', String(workers), '--chunk-size', '512', '--report', report]);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(readFileSync(report, 'utf8')) as { files: { name: string; partition: string; records: number }[]; recordsOut: number };
    expect(readdirSync(out).sort()).toEqual(rep.files.map((f) => f.name).sort());
    const seen = new Map<string, string[][]>();
    for (const f of rep.files) {
      const raw = readFileSync(join(out, f.name));
      // A part over the byte limit can only be a single record larger than it.
      if (split[0] === '--split-bytes') expect(raw.length <= Number(split[1]) || f.records === 1).toBe(true);
      if (split[0] === '--split-rows') expect(f.records).toBeLessThanOrEqual(Number(split[1]));
      const rows = parse(raw, { relax_column_count: false }) as string[][];
      expect(rows[0]).toEqual(['id', 'seg', 'note']);
      expect(rows.length - 1).toBe(f.records);
      seen.set(f.partition, [...(seen.get(f.partition) ?? []), ...rows.slice(1)]);
    }
    for (const s of SEGMENTS) expect(seen.get(s) ?? [], s).toEqual(records.filter((x) => x[1] === s));
    expect(rep.recordsOut).toBe(records.length);
  });
});
