/**
 * import-audience through the CLI (issue 12, "Import"): a generated profile table with every
 * protection kind as a data source, generated AAM outbound audiences with known overlaps, and
 * what the run writes (the CSV rows in input order, --unmatched, the report's counts) checked
 * against an independent computation (test/helpers/import.ts); the accounting invariant on
 * every run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { aamOutbound, expectAccounted, expectedFor, FIELDS, incomingFor, readCsv, writeJob, type Reason } from './helpers/import.js';
import { expectedSource } from './helpers/profile-keys.js';
import { generateProfiles, type ProfileRow } from './helpers/profiles.js';
import { SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-import-');
afterAll(cleanup);
const ROWS: ProfileRow[] = generateProfiles(600, 12);
const JOB = writeJob(dir, ROWS);

async function importRun(args: string[], name: string) {
  const out = join(dir, `${name}.csv`);
  const unmatched = join(dir, `${name}.unmatched.csv`);
  const report = join(dir, `${name}.report.json`);
  const res = await runCli(['import-audience', '--job', JOB, '--out', out, '--unmatched', unmatched, '--report', report, '--log-level', 'warn', ...args]);
  const rep = existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown>) : undefined;
  return { ...res, out, unmatched, report: rep };
}

describe('import-audience, one data source named by --alias, each protection kind', () => {
  for (const [i, s] of SOURCES.entries()) {
    it(`S${i} ${s.rule}: the rows, the unmatched IDs and the counts are the independent computation's`, async () => {
      const ids = incomingFor(ROWS, i, 100 + i);
      const aam = aamOutbound(ids, 200 + i);
      const input = join(dir, `in-${i}.sync`);
      writeFileSync(input, aam.text);
      const res = await importRun(['--in', input, '--alias', `S${i}`, '--fields', FIELDS.join(','), '--workers', '2'], `alias-${i}`);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const expectedRows: string[][] = [];
      const expectedUnmatched: string[][] = [];
      const reasons: Record<Reason, number> = { no_profile: 0, bad_ciphertext: 0, invalid_id: 0 };
      ids.forEach((inc, k) => {
        const e = expectedFor(ROWS, i, inc);
        if (typeof e === 'number') {
          const p = ROWS[e];
          expectedRows.push([inc.id, p.recipient_id, `source ${i} (${s.rule})`, aam.segments[k], aam.removed[k], p.first_name, p.crm_id]);
        } else {
          reasons[e]++;
          expectedUnmatched.push([String(k + 1), inc.id, e]);
        }
      });
      // The generated audience has a known share matching: most of it, never all of it.
      expect(expectedRows.length).toBeGreaterThan(ids.length / 4);
      expect(expectedUnmatched.length).toBeGreaterThanOrEqual(30);
      expect(readCsv(res.out)).toEqual([['id', 'recipient_id', 'data_source', 'segments', 'removed_segments', ...FIELDS], ...expectedRows]);
      expect(readCsv(res.unmatched)).toEqual([['line', 'id', 'reason'], ...expectedUnmatched]);
      const r = res.report!;
      expectAccounted(r);
      expect(r.recordsIn).toBe(ids.length);
      expect(r.recordsMatched).toBe(expectedRows.length);
      expect(r.unmatchedReasons).toEqual(reasons);
      const rc = r.reconcile as { sourcesBy: string; order: string[]; dataSources: Array<{ alias: string; tried: boolean; matched: number; index: Record<string, number> }> };
      expect(rc.sourcesBy).toBe('alias');
      expect(rc.order).toEqual([`S${i}`]);
      expect(rc.dataSources.filter((d) => d.tried).map((d) => d.alias)).toEqual([`S${i}`]);
      expect(rc.dataSources[i].matched).toBe(expectedRows.length);
      // The index build's counts per data source: duplicate, empty and invalid keys.
      const exp = expectedSource(s.rule, ROWS.map((row) => row[s.column]));
      expect(rc.dataSources[i].index).toEqual({ indexed: exp.indexed, duplicates: exp.duplicates, empty: exp.empty, invalid: exp.invalid });
      expect(exp.duplicates + exp.empty).toBeGreaterThan(0);
    });
  }

  // The other encoding of each AES channel: e-mail and other in base64, sms in hex.
  for (const [i, encoding] of [[5, 'base64'], [6, 'hex'], [7, 'base64']] as const) {
    it(`S${i} ${SOURCES[i].rule} with cipherEncoding ${encoding}`, async () => {
      const sub = join(dir, `enc-${i}`);
      mkdirSync(sub, { recursive: true });
      const job = writeJob(sub, ROWS, (j) => {
        const aes = ((j.dataSources as Array<Record<string, { aes: Record<string, unknown> }>>)[i].protection).aes;
        aes.cipherEncoding = encoding;
      });
      const ids = incomingFor(ROWS, i, 500 + i, encoding);
      const input = join(dir, `enc-${i}.sync`);
      writeFileSync(input, aamOutbound(ids, 600 + i).text);
      const out = join(dir, `enc-${i}.csv`);
      const res = await runCli(['import-audience', '--job', job, '--in', input, '--out', out, '--alias', `S${i}`, '--report', join(dir, `enc-${i}.json`), '--log-level', 'warn']);
      expect(res.code, res.stderr).toBe(0);
      const expected = ids.flatMap((inc) => {
        const e = expectedFor(ROWS, i, inc, encoding);
        return typeof e === 'number' ? [[inc.id, ROWS[e].recipient_id]] : [];
      });
      expect(expected.length).toBeGreaterThan(ids.length / 4);
      expect(readCsv(out).slice(1).map((row) => [row[0], row[1]])).toEqual(expected);
      const report = JSON.parse(readFileSync(join(dir, `enc-${i}.json`), 'utf8')) as Record<string, unknown>;
      expectAccounted(report);
      expect(report.recordsUnmatched).toBe(ids.length - expected.length);
    });
  }
});

describe('import-audience builds the index of the sources it tries alone', () => {
  it("a file whose name carries S2's DPID: S2 alone is built and matched (the rows those of the independent computation), 1 and 2 workers byte-identical; a run by priority builds them all", async () => {
    const i = 2;
    const ids = incomingFor(ROWS, i, 900);
    const aam = aamOutbound(ids, 901);
    const input = join(dir, `ftp_1234_${9000 + i}_full_1486140843000.sync`);
    writeFileSync(input, aam.text);
    const runs = [];
    for (const workers of ['1', '2']) runs.push(await importRun(['--in', input, '--fields', FIELDS.join(','), '--workers', workers], `dpid-${workers}`));
    for (const res of runs) expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(runs[1].out).equals(readFileSync(runs[0].out))).toBe(true);
    expect(readFileSync(runs[1].unmatched).equals(readFileSync(runs[0].unmatched))).toBe(true);
    const expectedRows = ids.flatMap((inc, k) => {
      const e = expectedFor(ROWS, i, inc);
      if (typeof e !== 'number') return [];
      const p = ROWS[e];
      return [[inc.id, p.recipient_id, `source ${i} (${SOURCES[i].rule})`, aam.segments[k], aam.removed[k], p.first_name, p.crm_id]];
    });
    expect(expectedRows.length).toBeGreaterThan(ids.length / 4);
    expect(readCsv(runs[0].out).slice(1)).toEqual(expectedRows);
    type Source = { alias: string; tried: boolean; built: boolean; index?: Record<string, number> };
    const rc = runs[0].report!.reconcile as { sourcesBy: string; dataSources: Source[] };
    expect(rc.sourcesBy).toBe('dpid');
    const exp = expectedSource(SOURCES[i].rule, ROWS.map((row) => row[SOURCES[i].column]));
    rc.dataSources.forEach((d, s) => {
      expect([d.alias, d.tried, d.built]).toEqual([`S${s}`, s === i, s === i]);
      if (s === i) expect(d.index).toEqual({ indexed: exp.indexed, duplicates: exp.duplicates, empty: exp.empty, invalid: exp.invalid });
      else expect(d, d.alias).not.toHaveProperty('index');
    });
    // The table is read whole all the same: every profile is counted.
    expect((rc as unknown as { index: { profiles: number } }).index.profiles).toBe(ROWS.length);

    const byPriority = join(dir, 'by-priority.sync');
    writeFileSync(byPriority, aam.text);
    const all = await importRun(['--in', byPriority, '--workers', '2'], 'priority-all');
    expect(all.code, all.stderr).toBe(0);
    const ds = (all.report!.reconcile as { dataSources: Source[] }).dataSources;
    expect(ds.map((d) => [d.tried, d.built, d.index !== undefined])).toEqual(SOURCES.map(() => [true, true, true]));
  });
});
