/**
 * export-audience's options and limits through the built CLI: --select-ids (only the listed
 * profiles, IDs not in the table counted), 1 and 2 workers giving byte-identical files (parts,
 * gzip, .info, --unusable), a failed run publishing nothing, malformed records in --rejects and
 * not in --unusable, more than 200 lines of one ID (too_many_lines_for_id), the errors found
 * before any output (exit 2), and no AES key in any log line or report.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { expectedFiles, TS, writeJob } from './helpers/export.js';
import { generateProfiles, profilesCsv } from './helpers/profiles.js';
import { KEY_HEX } from './helpers/reconcile.js';

const { dir, cleanup } = tempDir('ap-export-opt-');
afterAll(cleanup);
const ROWS = generateProfiles(3000, 5);
writeFileSync(join(dir, 'profiles.csv'), profilesCsv(ROWS));
const JOB = writeJob(dir, { path: 'profiles.csv' });
let n = 0;

async function exportRun(alias: string, extra: string[] = [], job = JOB) {
  const k = n++;
  const out = join(dir, `out-${k}/`);
  mkdirSync(out);
  const paths = { out, unusable: join(dir, `unusable-${k}.csv`), report: join(dir, `report-${k}.json`), rejects: join(dir, `rejects-${k}.csv`) };
  const r = await runCli(['export-audience', '--job', job, '--alias', alias, '--trait', 'd_sid=9', '--out', out, '--unusable', paths.unusable, '--report', paths.report, '--rejects', paths.rejects, '--timestamp', String(TS), '--max-rejects', 'none', '--log-format', 'json', ...extra]);
  const files = () => Object.fromEntries(readdirSync(out).sort().map((f) => [f, readFileSync(join(out, f))]));
  const readReport = () => JSON.parse(readFileSync(paths.report, 'utf8'));
  return { r, ...paths, files, readReport };
}

describe('--select-ids', () => {
  it('exports only the listed profiles, in table order, and counts the IDs the table lacks', async () => {
    const picked = ROWS.filter((_, i) => i % 7 === 3);
    const listed = [...picked.map((r) => r.recipient_id).reverse(), 'NOPE-1', '  NOPE-2 ', '', picked[0].recipient_id];
    writeFileSync(join(dir, 'ids.txt'), listed.join('\r\n'));
    const run = await exportRun('S2', ['--select-ids', join(dir, 'ids.txt')]);
    expect(run.r.code).toBe(0);
    const want = expectedFiles(2, picked, 'd_sid=9');
    expect(Object.values(run.files()).map(String)).toEqual([want.aam]);
    expect(readFileSync(run.unusable, 'utf8')).toBe(want.unusable);
    const rep = run.readReport();
    expect(rep.export).toMatchObject({ profilesRead: picked.length, exported: want.exported, rejected: 0 });
    expect(rep.export.unusableByReason).toEqual(want.byReason);
    expect(rep.export.selection).toEqual({ file: join(dir, 'ids.txt'), ids: picked.length + 2, notFound: 2, notFoundSample: ['NOPE-1', 'NOPE-2'], selected: picked.length, skipped: ROWS.length - picked.length, unread: 0 });
    expect(run.r.stderr).toContain('"event":"selected_ids_not_found"');
  });
});

describe('workers', () => {
  it('1 and 2 workers write byte-identical parts, .info and --unusable (small chunks, gzip, --split-bytes)', async () => {
    const flags = ['--split-bytes', '40000', '--gzip', '--write-info', '--chunk-size', '65536'];
    const one = await exportRun('S5', [...flags, '--workers', '1']);
    const two = await exportRun('S5', [...flags, '--workers', '2']);
    expect(one.r.code).toBe(0);
    expect(two.r.code).toBe(0);
    const a = one.files();
    const b = two.files();
    expect(Object.keys(a).length).toBeGreaterThan(3);
    expect(Object.keys(a)).toContain(`ftp_dpm_7005_${TS}.info`);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const name of Object.keys(a)) expect(b[name].equals(a[name]), name).toBe(true);
    expect(readFileSync(two.unusable).equals(readFileSync(one.unusable))).toBe(true);
    expect(two.readReport().export).toEqual(one.readReport().export);
  });
});

describe('failures', () => {
  it('a run over --max-rejects publishes nothing: no AAM file, no --unusable, no --rejects', async () => {
    const run = await exportRun('S2', ['--max-rejects', '10']);
    expect(run.r.code).toBe(1);
    expect(run.r.stderr).toContain('ERR_TOO_MANY_REJECTS');
    expect(readdirSync(run.out)).toEqual([]);
    expect(existsSync(run.unusable)).toBe(false);
    expect(existsSync(run.rejects)).toBe(false);
    expect(run.readReport().status).toBe('failed');
  });

  it('a malformed record goes to --rejects (counted rejected), an empty key to --unusable', async () => {
    const d = join(dir, 'bad');
    mkdirSync(d);
    writeFileSync(join(d, 'p.csv'), 'recipient_id,crm_id,email,phone\nA,C1,a@b.co,\nB,"C2,x\nC,,c@d.co,\nD,C4,d@e.co,1,extra\nE,C5,e@f.co,\n');
    const job = writeJob(d, { path: 'p.csv' });
    const run = await exportRun('S0', [], job);
    expect(run.r.code).toBe(0);
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(Object.values(run.files()).map(String)).toEqual([`${sha('C1')}\td_sid=9\n${sha('C5')}\td_sid=9\n`]);
    expect(readFileSync(run.unusable, 'utf8')).toBe('recipient_id,reason\nC,empty\n');
    const rejects = readFileSync(run.rejects, 'utf8').trimEnd().split('\n');
    expect(rejects[0]).toBe('line,column,reason,record');
    expect(rejects.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['3,,bad_quote', '5,,field_count']);
    expect(run.readReport().export).toMatchObject({ profilesRead: 5, exported: 2, unusable: 1, rejected: 2 });
  });

  it('more than 200 profiles with one key: 200 lines, the rest rejected too_many_lines_for_id', async () => {
    const d = join(dir, 'many');
    mkdirSync(d);
    writeFileSync(join(d, 'p.csv'), `recipient_id,crm_id,email,phone\n${Array.from({ length: 205 }, (_, i) => `R${i},SAME,,\n`).join('')}R205,OTHER,,\n`);
    const job = writeJob(d, { path: 'p.csv' });
    const run = await exportRun('S9', [], job);
    expect(run.r.code).toBe(0);
    expect(String(Object.values(run.files())[0])).toBe(`${'SAME\td_sid=9\n'.repeat(200)}OTHER\td_sid=9\n`);
    expect(readFileSync(run.rejects, 'utf8').match(/too_many_lines_for_id/g)?.length).toBe(5);
    expect(run.readReport().export).toMatchObject({ profilesRead: 206, exported: 201, unusable: 0, rejected: 5 });
  });
});

describe('--out', () => {
  it('may be the directory holding the profile table and the job: the AAM files have names of their own', async () => {
    const d = join(dir, 'together');
    mkdirSync(d);
    writeFileSync(join(d, 'profiles.csv'), 'recipient_id,crm_id,email,phone\nA,C1,,\n');
    const job = writeJob(d, { path: 'profiles.csv' });
    const r = await runCli(['export-audience', '--job', job, '--alias', 'S9', '--trait', 'd_sid=1', '--out', `${d}/`, '--timestamp', String(TS)]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(d, `ftp_dpm_7009_${TS}.sync`), 'utf8')).toBe('C1\td_sid=1\n');
    expect(readFileSync(join(d, 'profiles.csv'), 'utf8')).toBe('recipient_id,crm_id,email,phone\nA,C1,,\n');
  });
});

describe('--config', () => {
  it('--config gives the command\'s own options too (the flags win)', async () => {
    const out = join(dir, `cfg-${n++}/`);
    mkdirSync(out);
    writeFileSync(join(dir, 'own.json'), JSON.stringify({ trait: ['d_sid=55'], unusable: join(dir, 'cfg-u.csv'), workers: 1 }));
    const r = await runCli(['export-audience', '--job', JOB, '--alias', 'S9', '--out', out, '--config', join(dir, 'own.json'), '--timestamp', String(TS), '--max-rejects', 'none']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, readdirSync(out)[0]), 'utf8').split('\n')[0]).toMatch(/\td_sid=55$/);
    expect(readFileSync(join(dir, 'cfg-u.csv'), 'utf8').split('\n')[0]).toBe('recipient_id,reason');
  });
});

describe('errors before any output (exit 2)', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an alias the job lacks', ['--alias', 'NOPE', '--trait', 'd_sid=1'], /--alias: no data source 'NOPE' in the job \(aliases: S0, S1/],
    ['no trait', ['--alias', 'S0'], /--trait: give the audience's trait/],
    ['a --dpid other than the source\'s', ['--alias', 'S0', '--trait', 'd_sid=1', '--dpid', '5'], /--dpid 5: data source 'S0' has dpid 7000/],
    ['--query over a CSV table', ['--alias', 'S0', '--trait', 'd_sid=1', '--query', 'SELECT 1'], /--query replaces the job's PostgreSQL query: this job's profile table is a CSV file/],
    ['an unreadable --select-ids', ['--alias', 'S0', '--trait', 'd_sid=1', '--select-ids', '/nonexistent/ids.txt'], /--select-ids: cannot read \/nonexistent\/ids.txt: ENOENT/],
    ['a --dpid that is no number', ['--alias', 'S0', '--trait', 'd_sid=1', '--dpid', '12x'], /--dpid: expected a whole number of at least 1, got '12x'/],
    ['a process option the command sets itself', ['--alias', 'S0', '--trait', 'd_sid=1', '--config', 'CONFIG'], /export-audience sets hash itself/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const out = join(dir, `err-${n++}/`);
      mkdirSync(out);
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ hash: ['email=sha256'] }));
      const r = await runCli(['export-audience', '--job', JOB, '--out', out, ...args.map((a) => (a === 'CONFIG' ? join(dir, 'config.json') : a))]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(readdirSync(out)).toEqual([]);
    });
  }

  it('a data source without dpid and no --dpid', async () => {
    const d = join(dir, 'nodpid');
    mkdirSync(d);
    writeFileSync(join(d, 'job.json'), JSON.stringify({ profiles: { path: '../profiles.csv', id: 'recipient_id', fields: [] }, dataSources: [{ label: 'x', alias: 'X', type: 'declared', key: 'crm_id', priority: 1 }] }));
    const r = await runCli(['export-audience', '--job', join(d, 'job.json'), '--alias', 'X', '--trait', 'd_sid=1', '--out', `${d}/`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--dpid: data source 'X' has no dpid in the job: give --dpid <n>");
  });

  it('a key column the table lacks names the job key', async () => {
    const d = join(dir, 'nokey');
    mkdirSync(d);
    writeFileSync(join(d, 'job.json'), JSON.stringify({ profiles: { path: '../profiles.csv', id: 'recipient_id', fields: [] }, dataSources: [{ label: 'x', alias: 'X', dpid: 3, type: 'declared', key: 'loyalty_id', protection: { hash: 'sha256' }, priority: 1 }] }));
    const r = await runCli(['export-audience', '--job', join(d, 'job.json'), '--alias', 'X', '--trait', 'd_sid=1', '--out', `${d}/`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--job: dataSources[0].key: column 'loyalty_id' is not in the profile table");
    expect(readdirSync(d)).toEqual(['job.json']);
  });

  it('a profiles.id column the table lacks names profiles.id', async () => {
    const d = join(dir, 'noid');
    mkdirSync(d);
    writeFileSync(join(d, 'job.json'), JSON.stringify({ profiles: { path: '../profiles.csv', id: 'customer_no', fields: [] }, dataSources: [{ label: 'x', alias: 'X', dpid: 3, type: 'declared', key: 'crm_id', priority: 1 }] }));
    const r = await runCli(['export-audience', '--job', join(d, 'job.json'), '--alias', 'X', '--trait', 'd_sid=1', '--out', `${d}/`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--job: profiles.id: column 'customer_no' is not in the profile table");
    expect(r.stderr).toContain('(columns: recipient_id, crm_id, email, phone, ecid, first_name)');
    expect(readdirSync(d)).toEqual(['job.json']);
  });

  it('--unusable over the --rejects file', async () => {
    const r = await runCli(['export-audience', '--job', JOB, '--alias', 'S0', '--trait', 'd_sid=1', '--out', `${dir}/`, '--unusable', join(dir, 'same.csv'), '--rejects', join(dir, 'same.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rejects and --unusable are the same file');
  });
});

describe('the --unusable file', () => {
  it('in a directory that does not exist: exit 2 before anything is read', async () => {
    const out = join(dir, `u-${n++}/`);
    mkdirSync(out);
    const r = await runCli(['export-audience', '--job', JOB, '--alias', 'S2', '--trait', 'd_sid=1', '--out', out, '--unusable', join(dir, 'no-such-dir', 'u.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--unusable: .*no-such-dir/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('that cannot be written (/dev/full): exit 1, ERR_UNUSABLE, no AAM file published', async () => {
    const out = join(dir, `u-${n++}/`);
    mkdirSync(out);
    const r = await runCli(['export-audience', '--job', JOB, '--alias', 'S2', '--trait', 'd_sid=1', '--out', out, '--unusable', '/dev/full', '--max-rejects', 'none', '--log-format', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/"code":"ERR_UNUSABLE"/);
    expect(r.stderr).toMatch(/--unusable: cannot write \/dev\/full/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('secrets', () => {
  it('the AES key is in no log line and no report, at debug level, also when the run fails', async () => {
    for (const extra of [['--log-level', 'debug'], ['--log-level', 'debug', '--max-rejects', '1']]) {
      const run = await exportRun('S5', extra);
      const key = Buffer.from(KEY_HEX, 'hex');
      for (const text of [run.r.stderr, readFileSync(run.report, 'utf8')]) {
        expect(text.toLowerCase()).not.toContain(KEY_HEX.toLowerCase());
        expect(text).not.toContain(key.toString('base64'));
      }
    }
  });
});
