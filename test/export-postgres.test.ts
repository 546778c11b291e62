/**
 * export-audience from a profile table in a real PostgreSQL server on loopback
 * (test/helpers/postgres.ts): read with COPY, it writes the very files the same table gives from
 * CSV, for a hashed, an encrypted and a plain source; --query in place of the job's query gives
 * what the CSV table with --select-ids of the same profiles gives; the password reaches the server
 * and no log line or report; a failing query is exit 1 with nothing published.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { TS, writeJob } from './helpers/export.js';
import { startPostgres, type Postgres } from './helpers/postgres.js';
import { generateProfiles, PROFILE_COLUMNS, profilesCsv } from './helpers/profiles.js';

const { dir, cleanup } = tempDir('ap-export-pg-');
const ROWS = generateProfiles(1500, 404);
const CSV = join(dir, 'profiles.csv');
writeFileSync(CSV, profilesCsv(ROWS));
const QUERY = `SELECT ${PROFILE_COLUMNS.join(', ')} FROM profiles ORDER BY seq`;
let pg: Postgres;
let csvJob: string;
let pgJob: string;

beforeAll(async () => {
  pg = await startPostgres();
  pg.psql(`CREATE TABLE profiles (seq bigint GENERATED ALWAYS AS IDENTITY, ${PROFILE_COLUMNS.map((c) => `${c} text`).join(', ')});
\\copy profiles(${PROFILE_COLUMNS.join(',')}) FROM '${CSV}' WITH (FORMAT csv, HEADER)`);
  mkdirSync(join(dir, 'csv'));
  mkdirSync(join(dir, 'pg'));
  writeFileSync(join(dir, 'csv', 'profiles.csv'), readFileSync(CSV));
  csvJob = writeJob(join(dir, 'csv'), { path: 'profiles.csv' });
  pgJob = writeJob(join(dir, 'pg'), { postgres: { url: pg.url, query: QUERY } });
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  cleanup();
});

let n = 0;
async function exportRun(job: string, alias: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const out = join(dir, `out-${n++}/`);
  mkdirSync(out);
  const unusable = join(dir, `unusable-${n}.csv`);
  const report = join(dir, `report-${n}.json`);
  const r = await runCli(['export-audience', '--job', job, '--alias', alias, '--trait', 'd_sid=31', '--out', out, '--unusable', unusable, '--report', report, '--timestamp', String(TS), '--max-rejects', 'none', '--gzip', '--split-bytes', '30000', '--log-format', 'json', '--log-level', 'debug', ...extra], { env: { AUDIENCE_PIPE_PG_PASSWORD: pg.password, ...env } });
  const files = () => Object.fromEntries(readdirSync(out).sort().map((f) => [f, readFileSync(join(out, f)).toString('base64')]));
  return { r, out, files, unusable: () => readFileSync(unusable, 'utf8'), report: () => readFileSync(report, 'utf8') };
}

describe('a PostgreSQL profile table', () => {
  for (const alias of ['S0', 'S5', 'S6', 'S8']) {
    it(`${alias}: the same files as the CSV table`, async () => {
      const fromCsv = await exportRun(csvJob, alias);
      const fromPg = await exportRun(pgJob, alias);
      expect(fromCsv.r.code).toBe(0);
      expect(fromPg.r.stderr).not.toMatch(/"level":50/);
      expect(fromPg.r.code).toBe(0);
      expect(Object.keys(fromPg.files()).length).toBeGreaterThan(1);
      expect(fromPg.files()).toEqual(fromCsv.files());
      expect(fromPg.unusable()).toBe(fromCsv.unusable());
      const rep = JSON.parse(fromPg.report());
      expect(rep.input).toBe(`postgres postgres@127.0.0.1:${pg.port}/postgres`);
      expect(rep.export).toEqual(JSON.parse(fromCsv.report()).export);
      expect(rep.export.profilesRead).toBe(ROWS.length);
      for (const text of [fromPg.r.stderr, fromPg.report()]) expect(text).not.toContain(pg.password);
    });
  }

  it('--query in place of the job\'s gives what --select-ids of the same profiles gives from CSV', async () => {
    const ids = ROWS.filter((_, i) => i % 5 === 1).map((r) => r.recipient_id);
    writeFileSync(join(dir, 'ids.txt'), ids.join('\n'));
    const query = `SELECT ${PROFILE_COLUMNS.join(', ')} FROM profiles WHERE recipient_id IN (${ids.map((id) => `'${id}'`).join(', ')}) ORDER BY seq;`;
    const fromPg = await exportRun(pgJob, 'S2', ['--query', query]);
    const fromCsv = await exportRun(csvJob, 'S2', ['--select-ids', join(dir, 'ids.txt')]);
    expect(fromPg.r.code).toBe(0);
    expect(fromCsv.r.code).toBe(0);
    expect(fromPg.files()).toEqual(fromCsv.files());
    expect(fromPg.unusable()).toBe(fromCsv.unusable());
    expect(JSON.parse(fromPg.report()).export.profilesRead).toBe(ids.length);
  });

  it('an empty --query is exit 2 before the server is asked', async () => {
    const run = await exportRun(pgJob, 'S0', ['--query', '  ']);
    expect(run.r.code).toBe(2);
    expect(run.r.stderr).toContain('--query: must not be empty');
    expect(readdirSync(run.out)).toEqual([]);
  });

  it('a wrong password and a failing query are exit 1 with nothing published, the password in no message', async () => {
    const wrong = await exportRun(pgJob, 'S0', [], { AUDIENCE_PIPE_PG_PASSWORD: 'not-the-password-xyz' });
    expect(wrong.r.code).toBe(1);
    expect(wrong.r.stderr).toContain('ERR_PROFILES');
    expect(wrong.r.stderr).not.toContain('not-the-password-xyz');
    expect(readdirSync(wrong.out)).toEqual([]);
    const bad = await exportRun(pgJob, 'S0', ['--query', 'SELECT * FROM no_such_table']);
    expect(bad.r.code).toBe(1);
    expect(bad.r.stderr).toMatch(/ERR_PROFILES.*no_such_table/);
    expect(readdirSync(bad.out)).toEqual([]);
    expect(bad.r.stderr).not.toContain(pg.password);
  });
});
