/**
 * Export then import of the same profiles (issue #12, Tests): every profile export-audience writes
 * for a data source comes back from import-audience, against the same job, matched to the profile
 * the index holds for its key (the first in table order with that key: test/helpers/profile-keys.ts
 * computes it apart), and nothing is unmatched; every profile not exported is in --unusable.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { expectedExport, writeJob } from './helpers/export.js';
import { expectedKey, expectedSource } from './helpers/profile-keys.js';
import { generateProfiles, profilesCsv } from './helpers/profiles.js';
import { SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-export-rt-');
afterAll(cleanup);
const ROWS = generateProfiles(800, 123);
writeFileSync(join(dir, 'profiles.csv'), profilesCsv(ROWS));
const JOB = writeJob(dir, { path: 'profiles.csv' });

describe('export then import matches every usable profile', () => {
  SOURCES.forEach(({ rule, column }, i) => {
    it(`S${i}: ${rule} of ${column}`, async () => {
      const out = join(dir, `aam-${i}/`);
      mkdirSync(out);
      const ex = await runCli(['export-audience', '--job', JOB, '--alias', `S${i}`, '--trait', 'd_sid=77', '--out', out, '--unusable', join(dir, `unusable-${i}.csv`), '--max-rejects', 'none', '--timestamp', '1700000000', '--log-format', 'json']);
      expect(ex.code).toBe(0);
      const file = join(out, readdirSync(out)[0]);
      const im = await runCli(['import-audience', '--job', JOB, '--in', file, '--alias', `S${i}`, '--out', join(dir, `matched-${i}.csv`), '--unmatched', join(dir, `unmatched-${i}.csv`), '--report', join(dir, `import-${i}.json`), '--log-format', 'json']);
      expect(im.stderr).not.toMatch(/"level":50/);
      expect(im.code).toBe(0);
      const usable = ROWS.map((row, p) => ({ row, p })).filter(({ row }) => 'id' in expectedExport(i, row));
      const { first } = expectedSource(rule, ROWS.map((r) => r[column]));
      const matched = parse(readFileSync(join(dir, `matched-${i}.csv`)), { columns: true }) as Record<string, string>[];
      expect(matched.length).toBe(usable.length);
      matched.forEach((m, k) => {
        const want = first.get(expectedKey(rule, usable[k].row[column]) as string)!;
        expect(m.recipient_id).toBe(ROWS[want].recipient_id);
        expect(m.data_source).toBe(`source ${i} (${rule})`);
        expect(m.segments).toBe('d_sid=77');
      });
      expect(readFileSync(join(dir, `unmatched-${i}.csv`), 'utf8')).toBe('line,id,reason\n');
      const unusable = readFileSync(join(dir, `unusable-${i}.csv`), 'utf8').trimEnd().split('\n').slice(1);
      expect(usable.length + unusable.length).toBe(ROWS.length);
      const rep = JSON.parse(readFileSync(join(dir, `import-${i}.json`), 'utf8'));
      expect(rep.recordsIn).toBe(usable.length);
    });
  });
});
