/** #9 `--max-rejects <n|p%>`: a run where too many records are rejected fails instead of ending ok. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProcessConfig } from '../src/config/load.js';

const parseMaxRejects = (value: unknown): unknown => buildProcessConfig({ maxRejects: value, passthrough: true }, {}).maxRejects;
import { logLines, runCli, tempDir } from './helpers/cli.js';

describe('--max-rejects parsing', () => {
  it('reads a count, a percentage and none; defaults to 50%', () => {
    expect(parseMaxRejects(undefined)).toEqual({ percent: 50 });
    expect(parseMaxRejects('1000')).toEqual({ count: 1000 });
    expect(parseMaxRejects(0)).toEqual({ count: 0 });
    expect(parseMaxRejects(' 5% ')).toEqual({ percent: 5 });
    expect(parseMaxRejects('0.5%')).toEqual({ percent: 0.5 });
    expect(parseMaxRejects('none')).toBeUndefined();
    expect(parseMaxRejects('NONE')).toBeUndefined();
    expect(buildProcessConfig({ passthrough: true }, {}).maxRejects).toEqual({ percent: 50 });
    expect(buildProcessConfig({ passthrough: true }, { maxRejects: '10%' }).maxRejects).toEqual({ percent: 10 });
    expect(buildProcessConfig({ maxRejects: '7', passthrough: true }, { maxRejects: '10%' }).maxRejects).toEqual({ count: 7 });
  });

  it('names the option for a value it cannot read', () => {
    for (const bad of ['-1', '101%', 'half', '5 %%', '1e3', '']) {
      expect(() => parseMaxRejects(bad), bad).toThrow(/--max-rejects: /);
    }
  });
});

describe('--max-rejects end to end', () => {
  let dir: string;
  let cleanup: () => void;
  let keyFile: string;
  const IV = '00112233445566778899aabbccddeeff';
  beforeAll(() => {
    ({ dir, cleanup } = tempDir());
    keyFile = join(dir, 'key.hex');
    writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n');
  });
  afterAll(() => cleanup());

  const rows = (n: number, bad: (i: number) => boolean): string =>
    'id,email\n' + Array.from({ length: n }, (_, i) => `${i},${bad(i) ? 'not-an-email' : `u${i}@example.com`}`).join('\n') + '\n';

  it('a wrong --decrypt key fails the run: exit 1, the count, the top reason, the key hint, nothing published', async () => {
    const input = 'id,crm\n' + Array.from({ length: 20 }, (_, i) => `${i},${'ab'.repeat(16 + (i % 3) * 16)}`).join('\n') + '\n';
    const out = join(dir, 'decrypted.csv');
    const reportPath = join(dir, 'report.json');
    const res = await runCli(['process', '--decrypt', 'crm', '--aes-key-file', keyFile, '--aes-iv', IV, '--out', out, '--report', reportPath], { input });
    expect(res.code).toBe(1);
    const failed = logLines(res.stderr).find((l) => l.msg !== undefined && String(l.msg).startsWith('run failed'));
    expect(failed?.err).toMatchObject({ code: 'ERR_TOO_MANY_REJECTS' });
    expect(String(failed?.msg)).toMatch(/20 of 20 records rejected \(100\.0%\), over --max-rejects 50%; top reason bad_ciphertext \(20\): the AES key or IV is probably wrong/);
    expect(String(failed?.msg)).toContain('nothing was published');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('decrypted'))).toEqual([]);
    expect(JSON.parse(readFileSync(reportPath, 'utf8'))).toMatchObject({ status: 'failed', recordsIn: 20, recordsRejected: 20, error: { code: 'ERR_TOO_MANY_REJECTS' } });
  });

  it('within the limit the run succeeds; a count limit and none are honoured', async () => {
    const input = rows(100, (i) => i % 3 === 0); // 34 of 100 rejected
    expect((await runCli(['process', '--hash', 'email=email_lc_sha256'], { input })).code).toBe(0);
    expect((await runCli(['process', '--hash', 'email=email_lc_sha256', '--max-rejects', '34'], { input })).code).toBe(0);
    const over = await runCli(['process', '--hash', 'email=email_lc_sha256', '--max-rejects', '33'], { input });
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('34 of 100 records rejected (34.0%), over --max-rejects 33; top reason invalid_email (34)');
    expect((await runCli(['process', '--hash', 'email=email_lc_sha256', '--max-rejects', '30%'], { input })).code).toBe(1);
    const all = rows(50, () => true);
    const none = await runCli(['process', '--hash', 'email=email_lc_sha256', '--max-rejects', 'none'], { input: all });
    expect(none.code).toBe(0);
    expect(none.stdout.toString()).toBe('id,email\n');
    expect((await runCli(['process', '--hash', 'email=email_lc_sha256'], { input: all, env: { AUDIENCE_PIPE_MAX_REJECTS: 'none' } })).code).toBe(0);
    expect((await runCli(['process', '--hash', 'email=email_lc_sha256', '--max-rejects', 'half'], { input: all })).code).toBe(2);
  });

  it('on stdout the run stops once the first 10,000 records are in and says how much was written', async () => {
    const input = rows(200_000, (i) => i % 10 !== 0); // 90% rejected
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256', '--chunk-size', '16KiB', '--workers', '2'], { input });
    expect(res.code).toBe(1);
    const msg = String(logLines(res.stderr).find((l) => l.event === 'summary')?.msg);
    const m = /records rejected .* top reason invalid_email \([\d,]+\); ([\d,]+) records \(([\d,]+) bytes\) had already been written to stdout/.exec(msg);
    expect(m, msg).not.toBeNull();
    const [records, bytes] = [Number(m![1].replaceAll(',', '')), Number(m![2].replaceAll(',', ''))];
    expect(bytes).toBe(res.stdout.length);
    expect(res.stdout.toString().split('\n').length - 2).toBe(records);
    // Stopped near the checkpoint, far before the end of the input.
    expect(records).toBeLessThan(5_000);
  });

  it('to a FIFO the run stops the same way and says how much the reader got', async () => {
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    const got: Buffer[] = [];
    reader.stdout.on('data', (d: Buffer) => got.push(d));
    const readerDone = new Promise((resolve) => reader.on('close', resolve));
    const input = rows(200_000, (i) => i % 10 !== 0);
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256', '--chunk-size', '16KiB', '--out', fifo], { input });
    await readerDone;
    expect(res.code).toBe(1);
    const msg = String(logLines(res.stderr).find((l) => l.event === 'summary')?.msg);
    const m = /([\d,]+) records \(([\d,]+) bytes\) had already been written to (\S+)/.exec(msg);
    expect(m, msg).not.toBeNull();
    expect(m![3]).toContain('out.fifo');
    expect(Number(m![2].replaceAll(',', ''))).toBe(Buffer.concat(got).length);
  });

  it('counts rejects that are not kept and says so once, with how to keep them', async () => {
    const input = rows(10, (i) => i < 2);
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256'], { input });
    expect(res.code).toBe(0);
    const warnings = logLines(res.stderr).filter((l) => l.event === 'rejects_not_kept');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ recordsRejected: 2, level: 40 });
    expect(String(warnings[0].msg)).toContain('--rejects <path>');
    const kept = await runCli(['process', '--hash', 'email=email_lc_sha256', '--rejects', join(dir, 'r.csv')], { input });
    expect(logLines(kept.stderr).filter((l) => l.event === 'rejects_not_kept')).toHaveLength(0);
  });
});
