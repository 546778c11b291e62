/**
 * `process --dry-run`: the options, keys, IV, targets and limits checked, the header and a sample
 * run through the real pipeline, a plan printed, and nothing written: no output, no reject file,
 * no report, nothing on stdout.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-dry-run-');
afterAll(cleanup);
const KEY = 'ab'.repeat(32);
const IV = '00112233445566778899aabbccddeeff';
let input: string;
let big: string;

beforeAll(() => {
  const rows = ['id,email,crm_id'];
  for (let i = 0; i < 100; i++) rows.push(`${i},${i % 40 === 3 ? 'no-at-sign' : `U${i}@Example.com`},CRM-${i}`);
  input = join(dir, 'in.csv');
  writeFileSync(input, rows.join('\n') + '\n');
  const many = ['id,email'];
  for (let i = 0; i < 200_000; i++) many.push(`${i},user${i}@example.com`);
  big = join(dir, 'big.csv.gz');
  writeFileSync(big, gzipSync(many.join('\n') + '\n'));
  writeFileSync(join(dir, 'key.hex'), KEY);
});

const files = (): string[] => readdirSync(dir).sort();

describe('process --dry-run', () => {
  it('prints what a run would do, from a sample through the real pipeline, and writes nothing', async () => {
    const before = files();
    const out = join(dir, 'out.csv');
    const r = await runCli(['process', '--dry-run', '--log-format', 'pretty', '--in', input, '--out', out, '--rejects', join(dir, 'rej.csv'), '--report', join(dir, 'rep.json'),
      '--hash', 'email=email_lc_sha256', '--encrypt', 'crm_id', '--aes-key-file', join(dir, 'key.hex'), '--aes-iv', IV, '--max-rejects', '10%']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBe(0);
    expect(files()).toEqual(before);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('dry run: checked, nothing written');
    expect(lines).toContain(`  input    ${input}`);
    expect(lines).toContain('  columns  email -> email_lc_sha256, crm_id -> encrypt');
    expect(lines).toContain('  aes      AES-256-CBC key (32 bytes), IV set, ciphertext in hex');
    expect(lines).toContain(`  output   ${out} (a new file, written under a temporary name and renamed at the end)`);
    expect(lines).toContain(`  rejects  ${join(dir, 'rej.csv')} (a new file, written under a temporary name and renamed at the end)`);
    expect(lines.find((l) => l.startsWith('  limits'))).toMatch(/^ {2}limits {3}workers \d+, chunk 1MiB, max record 1MiB, max rejects 10%$/);
    expect(lines.find((l) => l.startsWith('  sample'))).toMatch(/^ {2}sample {3}100 records \(first 0\.0 MB\): 97 would be written, 3 rejected \(3 invalid_email\)$/);
    expect(r.stderr).not.toContain(KEY);
  });

  it('a routed run lists the files the sample would make, with deduplicated records counted, and writes none', async () => {
    const out = join(dir, 'routed');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out);
    const rows = ['email,segment', 'a@x.org,s1', 'A@x.org ,s1', 'b@x.org,s2', 'a@x.org,s2'];
    const routedIn = join(dir, 'routed.csv');
    writeFileSync(routedIn, rows.join('\n') + '\n');
    const res = await runCli(['process', '--in', routedIn, '--out', `${out}/`, '--hash', 'email=email_lc_sha256', '--dedup-key', 'email', '--partition-by', 'segment', '--name', 'aud.csv', '--dry-run']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.length).toBe(0);
    const plan = res.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'dry_run')! as { sample: unknown; targets: { out: string } };
    expect(plan.sample).toMatchObject({ recordsIn: 4, recordsOut: 3, recordsDeduplicated: 1, files: [{ name: 'aud_s1.csv', records: 1 }, { name: 'aud_s2.csv', records: 2 }] });
    expect(plan.targets.out).toMatch(/the files below/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('off a terminal the plan is one NDJSON line', async () => {
    const r = await runCli(['process', '--dry-run', '--in', input, '--hash', 'email=email_lc_sha256']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBe(0);
    const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const plan = lines.find((l) => l.event === 'dry_run')!;
    expect(plan).toMatchObject({ targets: { out: 'stdout', rejects: 'not kept (rejects are counted only)', report: 'none' }, sample: { recordsIn: 100, recordsOut: 97, recordsRejected: 3 } });
    expect(lines.some((l) => l.event === 'rejects_not_kept')).toBe(false);
  });

  it('reads only a sample of a large gzip input', async () => {
    const r = await runCli(['process', '--dry-run', '--in', big, '--out', join(dir, 'never.csv'), '--hash', 'email=email_lc_sha256']);
    expect(r.code, r.stderr).toBe(0);
    const plan = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event?: string; sample?: { recordsIn: number; recordsRejected: number } }).find((l) => l.event === 'dry_run')!;
    expect(plan.sample!.recordsIn).toBeGreaterThan(10_000);
    expect(plan.sample!.recordsIn).toBeLessThan(200_000);
    expect(plan.sample!.recordsRejected).toBe(0);
    expect(files()).not.toContain('never.csv');
  });

  it('a remote output is shown as remote and not contacted: an SFTP account of the config file and an Azure SAS URL, no secret shown', async () => {
    const config = join(dir, 'accounts.json');
    // Port 1 on loopback: nothing listens there, so any attempt to connect would fail the run.
    writeFileSync(config, JSON.stringify({ accounts: { crm: { host: '127.0.0.1', port: 1, username: 'u' } } }));
    const env = { AUDIENCE_PIPE_SFTP_PASSWORD: 'pw-never-shown' };
    const account = await runCli(['process', '--dry-run', '--log-format', 'pretty', '--config', config, '--sftp-insecure-accept-any-host-key',
      '--in', input, '--out', 'account:crm', '--hash', 'email=sha256'], { env });
    expect(account.code, account.stderr).toBe(0);
    expect(account.stderr.split('\n')).toContain('  output   account:crm (remote: not contacted by a dry run)');
    expect(account.stderr).not.toContain('pw-never-shown');

    const azure = await runCli(['process', '--dry-run', '--log-format', 'pretty', '--in', input,
      '--out', 'https://acct.blob.core.windows.net/c/b.csv?sv=1&sig=SECRET', '--hash', 'email=sha256']);
    expect(azure.code, azure.stderr).toBe(0);
    expect(azure.stderr.split('\n')).toContain('  output   https://acct.blob.core.windows.net/c/b.csv (remote: not contacted by a dry run)');
    expect(azure.stderr).not.toContain('SECRET');
  });

  it('a column not in the header is exit 2, before anything', async () => {
    const r = await runCli(['process', '--dry-run', '--in', input, '--hash', 'mail=email_lc_sha256', '--out', join(dir, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("column 'mail' is not in the header");
    expect(files()).not.toContain('x.csv');
  });

  it('a report directory that does not exist is exit 2 naming --report', async () => {
    const r = await runCli(['process', '--dry-run', '--in', input, '--hash', 'email=email_lc_sha256', '--report', '/nonexistent/r.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--report/);
  });

  it('a wrong decryption key shows in the sample: exit 1, too many rejects, the key or IV named, nothing written', async () => {
    const enc = join(dir, 'enc.csv');
    const made = await runCli(['process', '--in', input, '--out', enc, '--encrypt', 'crm_id', '--aes-iv', IV], { env: { AUDIENCE_PIPE_AES_KEY: KEY } });
    expect(made.code, made.stderr).toBe(0);
    const before = files();
    const r = await runCli(['process', '--dry-run', '--log-format', 'pretty', '--in', enc, '--out', join(dir, 'dec.csv'), '--decrypt', 'crm_id', '--aes-iv', IV], { env: { AUDIENCE_PIPE_AES_KEY: 'cd'.repeat(32) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*bad_ciphertext.*key or IV.* \(ERR_TOO_MANY_REJECTS\)$/m);
    expect(files()).toEqual(before);
  });
});
