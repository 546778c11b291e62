/**
 * The routing stage through the CLI, on the workers' real probes and line numbers, with 1 and 3
 * workers and small chunks: partitions, --max-audiences, dedup (first wins; --dedup-order with
 * ties; keys compared after their op), --duplicates, AAM inbound's 200 lines per ID and empty
 * output, --write-info checked by `verify`; the counts add up in every report.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-route-cli-');
afterAll(cleanup);

let n = 0;
/** A fresh output directory and report path. */
function outDir(): { out: string; report: string } {
  const out = join(dir, `out-${++n}`);
  mkdirSync(out);
  return { out, report: join(dir, `report-${n}.json`) };
}
const readReport = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const balanced = (r: { recordsIn: number; recordsOut: number; recordsRejected: number; recordsDeduplicated: number }) => r.recordsIn === r.recordsOut + r.recordsRejected + r.recordsDeduplicated;

const segs = ['s1', 's2', 's3'];
const rows = Array.from({ length: 90 }, (_, i) => ({ id: i + 1, email: i < 40 ? `User${i}@Example.org` : i % 2 ? `user${i % 40}@example.org` : ` USER${i % 40}@EXAMPLE.ORG`, seg: segs[(i * 7) % 3], ts: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z` }));
const csv = `id,email,seg,ts\n${rows.map((r) => `${r.id},${r.email},${r.seg},${r.ts}`).join('\n')}\n`;
const input = join(dir, 'in.csv');
writeFileSync(input, csv);

describe.each([1, 3])('with %i worker(s)', (workers) => {
  const common = ['--workers', String(workers), '--chunk-size', '200'];

  it('--partition-by: one file per value, each with its records in input order, counts per file and partition', async () => {
    const { out, report } = outDir();
    const r = await runCli(['process', '--in', input, '--out', `${out}/`, '--name', 'aud.csv', '--partition-by', 'seg', '--passthrough', '--report', report, ...common]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['aud_s1.csv', 'aud_s2.csv', 'aud_s3.csv']);
    for (const s of segs) {
      expect(readFileSync(join(out, `aud_${s}.csv`), 'utf8')).toBe(`id,email,seg,ts\n${rows.filter((x) => x.seg === s).map((x) => `${x.id},${x.email},${x.seg},${x.ts}\n`).join('')}`);
    }
    const rep = readReport(report);
    expect(rep.partitions).toEqual({ s1: 30, s2: 30, s3: 30 });
    expect(rep.files.reduce((k: number, f: { records: number }) => k + f.records, 0)).toBe(90);
    expect(balanced(rep)).toBe(true);
  });

  it('--dedup-key on a hashed column: User1@ and user1@ are one key, the first wins; --duplicates holds the output records', async () => {
    const { out, report } = outDir();
    const dups = join(out, '..', `dups-${n}.csv`);
    const r = await runCli(['process', '--in', input, '--out', `${out}/`, '--name', 'd.csv', '--hash', 'email=email_lc_sha256', '--dedup-key', 'email', '--duplicates', dups, '--report', report, ...common]);
    expect(r.code).toBe(0);
    const written = readFileSync(join(out, 'd.csv'), 'utf8').split('\n').slice(1, -1);
    expect(written.map((l) => Number(l.split(',')[0]))).toEqual(rows.slice(0, 40).map((x) => x.id));
    const rep = readReport(report);
    expect(rep).toMatchObject({ recordsIn: 90, recordsOut: 40, recordsDeduplicated: 50, recordsRejected: 0 });
    const dupLines = readFileSync(dups, 'utf8').split('\n').slice(1, -1);
    expect(dupLines).toHaveLength(50);
    // line = header + index; the record is the output (hashed), never the raw e-mail.
    expect(dupLines[0]).toMatch(/^42,email,duplicate,"41,[0-9a-f]{64},s\d,2024-01-13T00:00:00Z"$/);
    expect(readFileSync(dups, 'utf8')).not.toContain('@');
  });

  it('an empty --dedup-key value is rejected missing_mandatory with its column (the key columns are mandatory)', async () => {
    const { out, report } = outDir();
    const withEmpty = join(dir, `empty-key-${n}.csv`);
    writeFileSync(withEmpty, 'id,email,seg,ts\n1,a@x.org,s1,t\n2,,s1,t\n3,  ,s2,t\n4,A@x.org,s2,t\n');
    const rejects = join(dir, `empty-key-rejects-${n}.csv`);
    const r = await runCli(['process', '--in', withEmpty, '--out', `${out}/`, '--name', 'd.csv', '--hash', 'email=email_lc_sha256', '--dedup-key', 'email', '--rejects', rejects, '--max-rejects', 'none', '--report', report, ...common]);
    expect(r.code).toBe(0);
    expect(readReport(report)).toMatchObject({ recordsIn: 4, recordsOut: 1, recordsRejected: 2, recordsDeduplicated: 1, rejectReasons: { missing_mandatory: 2 } });
    expect(readFileSync(rejects, 'utf8').split('\n').slice(1, -1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['3,email,missing_mandatory', '4,email,missing_mandatory']);
  });

  it('--dedup-order (raw keys: case matters without a hash): the greatest timestamp wins, ties by input order, output in input order', async () => {
    const { out, report } = outDir();
    const r = await runCli(['process', '--in', input, '--out', `${out}/`, '--name', 'd.csv', '--dedup-key', 'email', '--dedup-order', 'ts', '--tmp-dir', dir, '--passthrough', '--report', report, ...common]);
    expect(r.code).toBe(0);
    // The expectation computed here: per key the max ts, the earliest row among equals.
    const best = new Map<string, (typeof rows)[number]>();
    for (const x of rows) {
      const b = best.get(x.email);
      if (b === undefined || x.ts > b.ts) best.set(x.email, x);
    }
    const expected = rows.filter((x) => best.get(x.email) === x).map((x) => x.id);
    const written = readFileSync(join(out, 'd.csv'), 'utf8').split('\n').slice(1, -1);
    expect(written.map((l) => Number(l.split(',')[0]))).toEqual(expected);
    expect(readReport(report)).toMatchObject({ recordsOut: best.size, recordsDeduplicated: 90 - best.size });
    expect(best.size).toBe(80);
    expect(readdirSync(dir).filter((f) => f.startsWith('audience-pipe-dedup-'))).toEqual([]);
  });

  it('--dedup-order on stdin: spooled in --tmp-dir like a file, not refused', async () => {
    const { out, report } = outDir();
    const spool = join(dir, `spool-${n}`);
    mkdirSync(spool);
    const r = await runCli(['process', '--in', '-', '--out', `${out}/`, '--name', 'd.csv', '--dedup-key', 'email', '--dedup-order', 'ts', '--hash', 'email=email_lc_sha256', '--tmp-dir', spool, '--report', report, ...common], { input: csv });
    expect(r.code, r.stderr).toBe(0);
    expect(readReport(report)).toMatchObject({ recordsIn: 90, recordsOut: 40, recordsDeduplicated: 50 });
    expect(readdirSync(spool)).toEqual([]);
  });

  it('to stdout: one output, deduplicated; splits and partitions refused before any output (exit 2)', async () => {
    const r = await runCli(['process', '--in', input, '--dedup-key', 'email', '--hash', 'email=email_lc_sha256', ...common]);
    expect(r.code).toBe(0);
    const lines = r.stdout.toString().split('\n').slice(0, -1);
    expect(lines[0]).toBe('id,email,seg,ts');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(rows.slice(0, 40).map((x) => x.id));
    const refused = await runCli(['process', '--in', input, '--partition-by', 'seg', '--passthrough', ...common]);
    expect(refused.code).toBe(2);
    expect(refused.stdout.length).toBe(0);
    expect(refused.stderr).toContain('--partition-by writes several files: give --out <directory>/');
  });

  it('to stdout, --max-rejects passed at the end: the message says what stdout already got, not "nothing was published"', async () => {
    const bad = join(dir, `stdout-bad-${++n}.csv`);
    writeFileSync(bad, `id,email\n${Array.from({ length: 30 }, (_, i) => `${i},${i < 10 ? `u${i}@x.org` : 'not-an-email'}`).join('\n')}\n`);
    const r = await runCli(['process', '--in', bad, '--hash', 'email=email_lc_sha256', '--dedup-key', 'id', '--max-rejects', '5', ...common]);
    expect(r.code).toBe(1);
    const written = r.stdout.toString();
    expect(written.split('\n')).toHaveLength(12);
    expect(r.stderr).toContain(`20 of 30 records rejected (66.7%), over --max-rejects 5; top reason invalid_email (20); 10 records (${Buffer.byteLength(written)} bytes) had already been written to stdout`);
  });

  it('more --partition-by values than --max-audiences: exit 1 naming the limit, nothing published', async () => {
    const { out, report } = outDir();
    const r = await runCli(['process', '--in', input, '--out', `${out}/`, '--name', 'aud.csv', '--partition-by', 'email', '--max-audiences', '25', '--passthrough', '--report', report, ...common]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--partition-by email: more than 25 distinct values (--max-audiences 25): \\"User25@Example.org\\" at line 27 is one too many; nothing was published');
    expect(readReport(report).error.code).toBe('ERR_TOO_MANY_AUDIENCES');
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('AAM inbound output', () => {
  const aamInput = join(dir, 'aam.csv');
  // 201 lines of u1 (its 201st at input line 203, after u2's), and one of u2.
  writeFileSync(aamInput, `id,trait\n${['u1,1', 'u2,7', ...Array.from({ length: 200 }, (_, k) => `u1,${k + 2}`)].join('\n')}\n`);
  const aam = ['--to', 'aam-inbound', '--dpid', '1234', '--id-column', 'id', '--traits-column', 'trait', '--timestamp', '1700000000'];

  it.each([1, 3])('the 201st line of one ID in one file is rejected too_many_lines_for_id with its line (%i workers)', async (workers) => {
    const { out, report } = outDir();
    const rejects = join(dir, `rej-${n}.csv`);
    const r = await runCli(['process', '--in', aamInput, '--out', `${out}/`, ...aam, '--rejects', rejects, '--report', report, '--workers', String(workers), '--chunk-size', '256']);
    expect(r.code).toBe(0);
    expect(readFileSync(rejects, 'utf8')).toBe('line,column,reason,record\n203,id,too_many_lines_for_id,u1\td_sid=201\n');
    const lines = readFileSync(join(out, 'ftp_dpm_1234_1700000000.sync'), 'utf8').split('\n').slice(0, -1);
    expect(lines.filter((l) => l.startsWith('u1\t'))).toHaveLength(200);
    expect(readReport(report)).toMatchObject({ recordsIn: 202, recordsOut: 201, recordsRejected: 1, rejectReasons: { too_many_lines_for_id: 1 } });
  });

  it('--max-rejects counts the routing stage\'s rejects too, also those of --dedup-order\'s second pass', async () => {
    const { out, report } = outDir();
    // 202 lines of u1, each trait once: no duplicate, two lines too many.
    const unique = join(dir, 'aam-unique.csv');
    writeFileSync(unique, `id,trait\n${Array.from({ length: 202 }, (_, k) => `u1,${k + 1}`).join('\n')}\n`);
    const r = await runCli(['process', '--in', unique, '--out', `${out}/`, ...aam, '--dedup-key', 'trait', '--dedup-order', 'trait', '--tmp-dir', dir, '--max-rejects', '0', '--report', report]);
    expect(r.code).toBe(1);
    expect(readReport(report)).toMatchObject({ error: { code: 'ERR_TOO_MANY_REJECTS' }, recordsDeduplicated: 0, rejectReasons: { too_many_lines_for_id: 2 } });
    expect(r.stderr).toContain('2 of 202 records rejected (1.0%), over --max-rejects 0; top reason too_many_lines_for_id (2); nothing was published');
    expect(readdirSync(out)).toEqual([]);
  });

  it('--write-info with gzip parts: the .info published with them, and verify accepts it', async () => {
    const { out } = outDir();
    const r = await runCli(['process', '--in', aamInput, '--out', `${out}/`, ...aam, '--gzip', '--split-rows', '150', '--write-info']);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['ftp_dpm_1234_1700000000.info', 'ftp_dpm_1234_1700000000.sync.1.gz', 'ftp_dpm_1234_1700000000.sync.2.gz']);
    expect(gunzipSync(readFileSync(join(out, 'ftp_dpm_1234_1700000000.sync.2.gz'))).toString().split('\n')).toHaveLength(52 + 1);
    const v = await runCli(['verify', join(out, 'ftp_dpm_1234_1700000000.info')]);
    expect(v.stdout.toString()).toContain('ok        totals');
    expect(v.code).toBe(0);
  });

  it('an output with no records is not written: exit 1 saying so', async () => {
    const { out, report } = outDir();
    const empty = join(dir, 'aam-empty.csv');
    writeFileSync(empty, 'id,trait\n,1\n,2\n');
    const r = await runCli(['process', '--in', empty, '--out', `${out}/`, ...aam, '--report', report, '--max-rejects', 'none']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the output has no records (2 read, 2 rejected, 0 deduplicated): AAM rejects empty files, so none was written');
    expect(readReport(report)).toMatchObject({ status: 'failed', error: { code: 'ERR_EMPTY_OUTPUT' }, recordsRejected: 2, rejectReasons: { missing_id: 2 } });
    expect(readdirSync(out)).toEqual([]);
  });
});
