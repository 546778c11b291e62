/**
 * A profile table in a real PostgreSQL server on loopback (test/helpers/postgres.ts), read with
 * `COPY (query) TO STDOUT (FORMAT csv, HEADER)`: it builds exactly the index the same table
 * builds from CSV (counts, every lookup of every source, the kept fields). The password goes
 * from AUDIENCE_PIPE_PG_PASSWORD (or PGPASSWORD) to the server and into no message; a refused
 * login, a failing query and a server that is not there are ERR_PROFILES.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStatement } from '../src/reconcile/profiles/postgres.js';
import { profileSource } from '../src/reconcile/profiles/source.js';
import { csvFileProfiles } from '../src/reconcile/profiles/csv-file.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { freePort } from './helpers/ports.js';
import { startPostgres, type Postgres } from './helpers/postgres.js';
import { expectedSource } from './helpers/profile-keys.js';
import { generateProfiles, PROFILE_COLUMNS, profilesCsv } from './helpers/profiles.js';
import { build, expectedMatch, incoming, jobFor as jobIn, SOURCES } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-pg-test-');
const ROWS = generateProfiles(2500, 77);
const CSV_PATH = join(dir, 'profiles.csv');
writeFileSync(CSV_PATH, profilesCsv(ROWS));
let pg: Postgres;

beforeAll(async () => {
  pg = await startPostgres();
  pg.psql(`CREATE TABLE profiles (seq bigint GENERATED ALWAYS AS IDENTITY, ${PROFILE_COLUMNS.map((c) => `${c} text`).join(', ')});
\\copy profiles(${PROFILE_COLUMNS.join(',')}) FROM '${CSV_PATH}' WITH (FORMAT csv, HEADER)
CREATE TABLE other (recipient_id text, crm_id text);`);
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  cleanup();
});

const QUERY = `SELECT ${PROFILE_COLUMNS.join(', ')} FROM profiles ORDER BY seq;`;
const pgTable = (query = QUERY, url = pg.url) => ({ postgres: { url, query } });
const withPassword = (env: NodeJS.ProcessEnv, query = QUERY) => jobIn(pgTable(query), dir, env);
const jobFor = (table: Record<string, unknown>) => jobIn(table, dir);

describe('a profile table in PostgreSQL', () => {
  it('the server holds the rows as the CSV has them', () => {
    expect(pg.psql('SELECT count(*) FROM profiles')).toBe(`${ROWS.length}\n`);
    expect(pg.psql("SELECT first_name FROM profiles WHERE recipient_id = 'R1'").trim()).toBe(ROWS[0].first_name);
  });

  it('read through COPY builds exactly the index the CSV file builds: counts, every lookup, every kept field', async () => {
    const fromCsv = await build(jobFor({ path: CSV_PATH }), csvFileProfiles(CSV_PATH));
    const job = withPassword({ AUDIENCE_PIPE_PG_PASSWORD: pg.password });
    const fromPg = await build(job, profileSource(job.profiles.table));
    expect(fromPg.report.table).toBe(`postgres postgres@127.0.0.1:${pg.port}/postgres`);
    expect(fromPg.report.profiles).toBe(ROWS.length);
    expect(fromPg.report.flawed).toBe(0);
    expect(fromPg.report.sources).toEqual(fromCsv.report.sources);
    expect(fromPg.report.bytes).toBe(fromCsv.report.bytes);
    SOURCES.forEach(({ rule, column }, s) => {
      const { first } = expectedSource(rule, ROWS.map((r) => r[column]));
      const wrong: string[] = [];
      for (const id of incoming(ROWS, s, 500 + s)) {
        const b = Buffer.from(id);
        const a = fromPg.view.lookup(s, b, 0, b.length);
        if (a !== fromCsv.view.lookup(s, b, 0, b.length) || a !== expectedMatch(rule, first, id)) wrong.push(id);
      }
      expect(wrong, rule).toEqual([]);
    });
    for (let p = 0; p < ROWS.length; p++) {
      for (let f = 0; f < 3; f++) {
        if (!fromPg.view.field(p, f).equals(fromCsv.view.field(p, f))) throw new Error(`profile ${p} field ${f} differs`);
      }
    }
  });

  it("read by the build's worker threads (the built code) too, the report is the same", async () => {
    const { SharedState } = (await import(`${ROOT}/dist/pool/shared-state.js`)) as typeof import('../src/pool/shared-state.js');
    const { defineIndexRegions } = (await import(`${ROOT}/dist/reconcile/index-layout.js`)) as typeof import('../src/reconcile/index-layout.js');
    const { buildProfileIndex } = (await import(`${ROOT}/dist/reconcile/index-build.js`)) as typeof import('../src/reconcile/index-build.js');
    const { profileSource: distSource } = (await import(`${ROOT}/dist/reconcile/profiles/source.js`)) as typeof import('../src/reconcile/profiles/source.js');
    const job = withPassword({ AUDIENCE_PIPE_PG_PASSWORD: pg.password });
    const threads = await buildProfileIndex(job, distSource(job.profiles.table), defineIndexRegions(new SharedState(), job.dataSources.length), { workers: 2 });
    const here = await build(job, profileSource(job.profiles.table));
    expect(threads).toEqual(here.report);
  });

  it('takes PGPASSWORD when AUDIENCE_PIPE_PG_PASSWORD is unset', async () => {
    const job = withPassword({ PGPASSWORD: pg.password }, `SELECT ${PROFILE_COLUMNS.join(', ')} FROM profiles WHERE seq <= 10 ORDER BY seq`);
    const { report, view } = await build(job, profileSource(job.profiles.table));
    expect(report.profiles).toBe(10);
    expect(view.field(9, 0).toString()).toBe('R10');
  });

  it('a wrong password, a failing query, a missing column and no server: errors that name the server, never the password', async () => {
    const wrongPw = withPassword({ AUDIENCE_PIPE_PG_PASSWORD: 'not-the-password-42' });
    const e1 = await build(wrongPw, profileSource(wrongPw.profiles.table)).catch((e: unknown) => e as { code: string; message: string });
    expect(e1).toMatchObject({ code: 'ERR_PROFILES', message: expect.stringMatching(new RegExp(`^profiles\\.postgres: postgres postgres@127\\.0\\.0\\.1:${pg.port}/postgres: cannot connect: password authentication failed`)) });
    expect(e1.message).not.toContain('not-the-password-42');

    const badQuery = withPassword({ AUDIENCE_PIPE_PG_PASSWORD: pg.password }, 'SELECT * FROM nowhere');
    await expect(build(badQuery, profileSource(badQuery.profiles.table))).rejects.toMatchObject({ code: 'ERR_PROFILES', message: expect.stringMatching(/: the query failed: relation "nowhere" does not exist$/) });

    const noColumns = withPassword({ AUDIENCE_PIPE_PG_PASSWORD: pg.password }, 'SELECT * FROM other');
    await expect(build(noColumns, profileSource(noColumns.profiles.table))).rejects.toMatchObject({ code: 'ERR_JOB', message: expect.stringMatching(/^--job: profiles\.fields\[0\]: column 'first_name' is not in the profile table postgres .* \(its columns: recipient_id, crm_id\)$/) });

    const port = await freePort();
    const gone = jobFor(pgTable(QUERY, `postgres://postgres@127.0.0.1:${port}/postgres`));
    await expect(build(gone, profileSource(gone.profiles.table))).rejects.toMatchObject({ code: 'ERR_PROFILES', message: expect.stringMatching(new RegExp(`postgres@127\\.0\\.0\\.1:${port}/postgres: cannot connect: .*ECONNREFUSED`)) });
  });

  it('a query copied from psql, its ; and spaces included, becomes the COPY statement', () => {
    expect(copyStatement(' SELECT a FROM t ;; \n')).toBe('COPY (SELECT a FROM t) TO STDOUT (FORMAT csv, HEADER)');
  });
});
