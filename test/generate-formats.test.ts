/**
 * The generator's issue-11 modes: `--segments` (a last CSV column of segment lists, the other
 * columns the same bytes as without it) and `--format aam-outbound` (AAM's whitespace-separated
 * rows), both seeded; and what the bench runs on them (`process --from aam-outbound`).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAudience, type GenerateOptions } from '../src/tools/generate/audience.js';
import { runCli, tempDir } from './helpers/cli.js';

const bytesOf = (opts: GenerateOptions): Buffer => Buffer.concat([...generateAudience(opts)]);
const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const SEGMENT_LIST = /^[0-9]{4}(,[0-9]{4})*$/;

const distinct = (list: string): boolean => new Set(list.split(',')).size === list.split(',').length;

describe('generate --segments', () => {
  it('adds a last column of segment lists; every other column is the same bytes as without it', () => {
    for (const seed of [1, 7, -3]) {
      const plain = parse(bytesOf({ rows: 3000, seed })) as string[][];
      const withSegments = parse(bytesOf({ rows: 3000, seed, segments: true })) as string[][];
      expect(withSegments[0]).toEqual([...plain[0], 'segments']);
      expect(withSegments.map((r) => r.slice(0, -1))).toEqual(plain);
      const lists = withSegments.slice(1).map((r) => r.at(-1)!);
      for (const l of lists) {
        expect(l).toMatch(SEGMENT_LIST);
        expect(distinct(l)).toBe(true);
      }
      // Lists of one to five, a single segment most often.
      const sizes = lists.map((l) => l.split(',').length);
      expect(Math.min(...sizes)).toBe(1);
      expect(Math.max(...sizes)).toBe(5);
      expect(sizes.filter((s) => s === 1).length / sizes.length).toBeGreaterThan(0.3);
    }
  });

  it('is seeded: the same seed gives the same bytes, another seed others', () => {
    expect(bytesOf({ rows: 500, seed: 3, segments: true }).equals(bytesOf({ rows: 500, seed: 3, segments: true }))).toBe(true);
    expect(bytesOf({ rows: 500, seed: 3, segments: true }).equals(bytesOf({ rows: 500, seed: 4, segments: true }))).toBe(false);
  });
});

describe('generate --format aam-outbound', () => {
  it("rows of AAM's default layout: a 38-digit ID, a segment list, a removed list or none, no header", () => {
    const text = bytesOf({ rows: 5000, seed: 1, format: 'aam-outbound' }).toString('latin1');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(5000);
    let withoutRemoved = 0;
    let tabs = 0;
    for (const line of lines) {
      if (line.includes('\t')) tabs++;
      const f = line.split(/[ \t]+/);
      expect(f.length === 2 || f.length === 3).toBe(true);
      expect(f[0]).toMatch(/^[1-9][0-9]{37}$/);
      expect(f[1]).toMatch(SEGMENT_LIST);
      expect(distinct(f[1])).toBe(true);
      if (f.length === 2) withoutRemoved++;
      else {
        expect(f[2]).toMatch(SEGMENT_LIST);
        // A removed segment is never also qualified in the same row.
        expect(distinct(`${f[1]},${f[2]}`)).toBe(true);
      }
    }
    expect(withoutRemoved / lines.length).toBeGreaterThan(0.25);
    expect(withoutRemoved / lines.length).toBeLessThan(0.35);
    expect(tabs).toBeGreaterThan(0);
  });

  // Taken when the mode was added: a change to its bytes fails here, as test/generate-pinned.test.ts does for the CSV.
  it('is pinned: benches cache inputs by (rows, seed, format)', () => {
    const out = bytesOf({ rows: 20_000, seed: 1, format: 'aam-outbound' });
    expect({ bytes: out.length, sha256: digest(out) }).toEqual({ bytes: 1_134_078, sha256: '660f1aded01485cb349ce1a1781be488697579d45e89341dcc4131e51e086e2c' });
    expect(bytesOf({ rows: 0, format: 'aam-outbound' }).length).toBe(0);
  });

  it('refuses --segments with it and an unknown format, as configuration errors', () => {
    expect(() => generateAudience({ rows: 1, format: 'aam-outbound', segments: true })).toThrow(/--segments adds a column to the CSV audience/);
    expect(() => generateAudience({ rows: 1, format: 'tsv' as never })).toThrow(/--format must be one of csv, aam-outbound, got tsv/);
  });
});

describe('the bench runs on generated AAM outbound rows', () => {
  const tmp = tempDir('ap-gen-aam-');
  afterAll(() => tmp.cleanup());

  it('generate --format aam-outbound | process --from aam-outbound: every row out, hashed or copied, none rejected', async () => {
    const gen = await runCli(['generate', '--rows', '20000', '--seed', '5', '--format', 'aam-outbound']);
    expect(gen.code).toBe(0);
    expect(gen.stdout.equals(bytesOf({ rows: 20000, seed: 5, format: 'aam-outbound' }))).toBe(true);
    const input = join(tmp.dir, 'rows.sync');
    writeFileSync(input, gen.stdout);
    const rows = gen.stdout.toString('latin1').trimEnd().split('\n').map((l) => l.split(/[ \t]+/));
    for (const args of [['--hash', 'id=sha256'], ['--passthrough']]) {
      const report = join(tmp.dir, `report-${args[0]}.json`);
      const r = await runCli(['process', '--from', 'aam-outbound', '--in', input, '--report', report, '--workers', '2', '--chunk-size', '64KiB', ...args]);
      expect(r.code).toBe(0);
      const out = parse(r.stdout, { columns: true }) as { id: string; segments: string; removed_segments: string }[];
      expect(out.length).toBe(20000);
      const hashed = args[0] === '--hash';
      expect(out.map((o) => o.id)).toEqual(rows.map((f) => (hashed ? createHash('sha256').update(f[0]).digest('hex') : f[0])));
      expect(out.map((o) => [o.segments, o.removed_segments])).toEqual(rows.map((f) => [f[1], f[2] ?? '']));
    }
  });
});
