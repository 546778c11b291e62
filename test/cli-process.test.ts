/** End-to-end: the built CLI as a user runs it, with real files, pipes and exit codes. */
import { createHash, createDecipheriv } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, runCli, spawnCli, tempDir } from './helpers/cli.js';

const KEY_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const IV_HEX = '00112233445566778899aabbccddeeff';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

let dir: string;
let cleanup: () => void;
let audience: Buffer;
let keyFile: string;

const FULL_JOB = (): string[] => ['--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256', '--default-country', 'US', '--encrypt', 'crm_id', '--aes-key-file', keyFile, '--aes-iv', IV_HEX];

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  keyFile = join(dir, 'key.hex');
  writeFileSync(keyFile, `  ${KEY_HEX}\n`);
  const gen = await runCli(['generate', '--rows', '30000', '--seed', '7']);
  expect(gen.code).toBe(0);
  audience = gen.stdout;
  writeFileSync(join(dir, 'aud.csv'), audience);
});
afterAll(() => cleanup());

describe('process', () => {
  it('gives the same bytes from stdin to stdout as from file to file, whatever the workers and chunk size', async () => {
    const piped = await runCli(['process', ...FULL_JOB(), '--log-level', 'warn'], { input: audience });
    expect(piped.code).toBe(0);
    const out = join(dir, 'out.csv');
    const filed = await runCli(['process', '--in', join(dir, 'aud.csv'), '--out', out, ...FULL_JOB(), '--workers', '3', '--chunk-size', '4KiB']);
    expect(filed.code).toBe(0);
    expect(filed.stdout.length).toBe(0);
    expect(readFileSync(out).equals(piped.stdout)).toBe(true);
    // Chunks of one byte put a boundary everywhere; one worker and three give the same bytes.
    const prefix = audience.subarray(0, audience.indexOf('\n', 150_000) + 1);
    const tiny = await runCli(['process', ...FULL_JOB(), '--workers', '1', '--chunk-size', '1'], { input: prefix });
    const many = await runCli(['process', ...FULL_JOB(), '--workers', '3', '--chunk-size', '700'], { input: prefix });
    expect(tiny.code).toBe(0);
    expect(tiny.stdout.length).toBeGreaterThan(100_000);
    expect(tiny.stdout.equals(many.stdout)).toBe(true);
    expect(piped.stdout.subarray(0, tiny.stdout.length).equals(tiny.stdout)).toBe(true);
  });

  it('keeps input order, transforms only the named column and leaves the others as they were', async () => {
    const res = await runCli(['process', '--encrypt', 'crm_id', '--aes-key-file', keyFile, '--aes-iv', IV_HEX, '--chunk-size', '3KiB', '--workers', '2'], { input: audience });
    expect(res.code).toBe(0);
    const input = parse(audience, { columns: true }) as Record<string, string>[];
    const output = parse(res.stdout, { columns: true }) as Record<string, string>[];
    expect(output.length).toBe(input.length);
    const key = Buffer.from(KEY_HEX, 'hex');
    const iv = Buffer.from(IV_HEX, 'hex');
    output.forEach((row, i) => {
      const src = input[i];
      const { crm_id: _a, ...rest } = row;
      const { crm_id: _b, ...srcRest } = src;
      expect(rest).toEqual(srcRest);
      if (src.crm_id.trim() === '') expect(row.crm_id).toBe('');
      else {
        const d = createDecipheriv('aes-256-cbc', key, iv);
        expect(Buffer.concat([d.update(Buffer.from(row.crm_id, 'hex')), d.final()]).toString()).toBe(src.crm_id.trim());
      }
    });
  });

  it('writes rejects with the input line and first failing column, and a report whose counts add up', async () => {
    const input = 'crm_id,email,phone\n1,a@b.c,+14155552671\n\n2,"not an email",+14155552671\n3,x@y.z\n"4\nstill 4",ok@ok.ok,12\n5,,\n';
    const rejects = join(dir, 'rejects.csv');
    const reportPath = join(dir, 'report.json');
    const res = await runCli(['process', '--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256', '--rejects', rejects, '--report', reportPath, '--max-rejects', 'none'], { input });
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe(`crm_id,email,phone\n1,${sha('a@b.c')},${sha('14155552671')}\n5,,\n`);
    expect(readFileSync(rejects, 'utf8')).toBe('line,column,reason,record\n4,email,invalid_email,"2,""not an email"",+14155552671"\n5,,field_count,"3,x@y.z"\n6,phone,invalid_phone,"""4\nstill 4"",ok@ok.ok,12"\n');
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    expect(report).toMatchObject({
      status: 'ok',
      recordsIn: 5,
      recordsOut: 2,
      recordsRejected: 3,
      blankLines: 1,
      rejectReasons: { invalid_email: 1, field_count: 1, invalid_phone: 1 },
      columns: { email: { hashed: 1, empty: 1, invalid: 1, alreadyHashed: 0 }, phone: { hashed: 1, empty: 1, invalid: 1 } },
      bytesIn: Buffer.byteLength(input),
      workers: expect.any(Number),
    });
    expect(report.recordsIn).toBe(report.recordsOut + report.recordsRejected);
    expect(report.bytesOut).toBe(res.stdout.length);
    const summary = logLines(res.stderr).find((l) => l.event === 'summary');
    expect(summary).toMatchObject({ status: 'ok', recordsIn: 5, recordsOut: 2, recordsRejected: 3 });
  });

  it('reads gzip input by its magic bytes and gzips a .gz output', async () => {
    const gzIn = join(dir, 'in.data');
    writeFileSync(gzIn, gzipSync(audience));
    const out = join(dir, 'out.csv.gz');
    const res = await runCli(['process', '--in', gzIn, '--out', out, '--hash', 'email=email_lc_sha256', '--report', join(dir, 'gz.json')]);
    expect(res.code).toBe(0);
    const plain = await runCli(['process', '--hash', 'email=email_lc_sha256'], { input: audience });
    expect(gunzipSync(readFileSync(out)).equals(plain.stdout)).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'gz.json'), 'utf8'));
    expect(report.bytesIn).toBe(readFileSync(gzIn).length);
    expect(report.bytesOut).toBe(readFileSync(out).length);
  });

  it('gives a header-only output for a header-only input', async () => {
    const res = await runCli(['process', '--hash', 'email=sha256'], { input: '\ufeffid,email\r\n' });
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe('id,email\n');
  });

  it('fails a 0-byte input with exit 1, "input has no header", and a failed report', async () => {
    const reportPath = join(dir, 'empty.json');
    const out = join(dir, 'empty-out.csv');
    const res = await runCli(['process', '--passthrough', '--out', out, '--report', reportPath], { input: '' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('input has no header');
    expect(existsSync(out)).toBe(false);
    expect(JSON.parse(readFileSync(reportPath, 'utf8'))).toMatchObject({ status: 'failed', error: { code: 'ERR_NO_HEADER' } });
  });

  it('leaves no output file when the run fails midway (corrupt gzip)', async () => {
    const gz = gzipSync(audience);
    const broken = Buffer.concat([gz.subarray(0, gz.length >> 1), Buffer.from('garbage-garbage-garbage')]);
    const bad = join(dir, 'broken.gz');
    writeFileSync(bad, broken);
    const out = join(dir, 'never.csv');
    const reportPath = join(dir, 'broken.json');
    const res = await runCli(['process', '--in', bad, '--out', out, '--hash', 'email=email_lc_sha256', '--report', reportPath, '--chunk-size', '64KiB']);
    expect(res.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('never.csv'))).toEqual([]);
    expect(JSON.parse(readFileSync(reportPath, 'utf8'))).toMatchObject({ status: 'failed', error: { code: 'ERR_GZIP' } });
  });

  it('ends quietly with exit 0 and status cut-short when stdout closes early (| head)', async () => {
    const reportPath = join(dir, 'head.json');
    const child = spawnCli(['process', '--hash', 'email=email_lc_sha256', '--report', reportPath, '--chunk-size', '16KiB']);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdin!.on('error', () => {});
    child.stdin!.end(Buffer.concat([audience, audience.subarray(audience.indexOf('\n') + 1)]));
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.stdout!.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error:/);
    expect(JSON.parse(readFileSync(reportPath, 'utf8')).status).toBe('cut-short');
  });
});

describe('configuration errors: exit 2, one line naming the option, no output', () => {
  const cases: Array<[string, string[], RegExp, NodeJS.ProcessEnv?]> = [
    ['a key of the wrong size', ['--encrypt', 'crm_id', '--aes-iv', IV_HEX], /--aes-key-file.*16, 24 or 32 bytes/],
    ['an IV of the wrong size', ['--encrypt', 'crm_id', '--aes-iv', 'abcd'], /--aes-iv/],
    ['an unknown method', ['--hash', 'email=md5'], /--hash: unknown method 'md5'/],
    ['a column missing from the header', ['--hash', 'mail=email_lc_sha256'], /--hash: column 'mail' is not in the header/],
    ['--encrypt without a key', ['--encrypt', 'crm_id', '--aes-iv', IV_HEX], /--encrypt needs a key/],
    ['a column in two transforms', ['--hash', 'email=sha256', '--encrypt', 'email', '--aes-iv', IV_HEX], /column 'email' is named by two transforms/],
    ['a bad --workers', ['--workers', 'two'], /--workers/],
    ['an unknown country', ['--default-country', 'XX'], /--default-country/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const out = join(dir, `cfg-${name.replaceAll(' ', '-')}.csv`);
      const keyArgs = name === 'a key of the wrong size' ? ['--aes-key-file', writeKey('abcd' + KEY_HEX.slice(0, 20))] : [];
      const res = await runCli(['process', '--out', out, ...keyArgs, ...args], { input: audience.subarray(0, 5000), env: { AUDIENCE_PIPE_AES_KEY: '' } });
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(res.stdout.length).toBe(0);
    });
  }

  it('never shows the key, from a file or the environment', async () => {
    const secret = 'f00dfeed'.repeat(3) + 'abcdef';
    const fromEnv = await runCli(['process', '--encrypt', 'crm_id', '--aes-iv', IV_HEX], { input: audience.subarray(0, 5000), env: { AUDIENCE_PIPE_AES_KEY: secret } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('AUDIENCE_PIPE_AES_KEY');
    expect(fromEnv.stderr).not.toContain(secret);
    const good = await runCli(['process', '--encrypt', 'crm_id', '--aes-iv', IV_HEX, '--log-level', 'trace', '--report', join(dir, 'k.json')], { input: audience.subarray(0, 5000), env: { AUDIENCE_PIPE_AES_KEY: KEY_HEX } });
    expect(good.code).toBe(0);
    for (const text of [good.stderr, readFileSync(join(dir, 'k.json'), 'utf8')]) {
      expect(text).not.toContain(KEY_HEX);
      expect(text).not.toContain(Buffer.from(KEY_HEX, 'hex').toString('base64'));
    }
  });

  it('takes options from --config, with flags over the file', async () => {
    const cfg = join(dir, 'job.json');
    writeFileSync(cfg, JSON.stringify({ hash: ['email=sha256'], workers: 1, 'chunk-size': '8KiB' }));
    const fromFile = await runCli(['process', '--config', cfg, '--report', join(dir, 'c1.json')], { input: 'email\nA@B.C\n' });
    expect(fromFile.stdout.toString()).toBe(`email\n${sha('A@B.C')}\n`);
    expect(JSON.parse(readFileSync(join(dir, 'c1.json'), 'utf8')).workers).toBe(1);
    const overridden = await runCli(['process', '--config', cfg, '--hash', 'email=sha256_lc', '--workers', '2', '--report', join(dir, 'c2.json')], { input: 'email\nA@B.C\n' });
    expect(overridden.stdout.toString()).toBe(`email\n${sha('a@b.c')}\n`);
    expect(JSON.parse(readFileSync(join(dir, 'c2.json'), 'utf8')).workers).toBe(2);
    const env = await runCli(['process', '--config', cfg, '--report', join(dir, 'c3.json')], { input: 'email\nA@B.C\n', env: { AUDIENCE_PIPE_WORKERS: '3' } });
    expect(JSON.parse(readFileSync(join(dir, 'c3.json'), 'utf8')).workers).toBe(3);
    expect(env.code).toBe(0);
  });
});

describe('help and version', () => {
  it('print to stdout and exit 0', async () => {
    const help = await runCli(['process', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toContain('--hash <column=method>');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.toString().trim()).toMatch(/^audience-pipe \d+\.\d+\.\d+ \(node v\d+[^\n]*\)$/);
  });
});

function writeKey(text: string): string {
  const p = join(dir, `key-${text.length}.hex`);
  writeFileSync(p, text);
  return p;
}

describe('dialects and headers', () => {
  it("reads AEP's backslash escape and another delimiter, and writes transformed values in the same dialect", async () => {
    const input = 'id;email;note\n1;"  A\\"B@x.io ";"say \\"hi\\"; ok"\n2;c@d.e;plain\n';
    const res = await runCli(['process', '--delimiter', ';', '--escape', '\\', '--hash', 'email=sha256_lc'], { input });
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe(`id;email;note\n1;${sha('a"b@x.io')};"say \\"hi\\"; ok"\n2;${sha('c@d.e')};plain\n`);
  });

  it('allows a duplicated column name unless a transform names it', async () => {
    const ok = await runCli(['process', '--hash', 'email=sha256'], { input: 'x,x,email\n1,2,a\n' });
    expect(ok.code).toBe(0);
    expect(ok.stdout.toString()).toBe(`x,x,email\n1,2,${sha('a')}\n`);
    const bad = await runCli(['process', '--hash', 'x=sha256'], { input: 'x,x,email\n1,2,a\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--hash: column 'x' appears more than once/);
  });
});
