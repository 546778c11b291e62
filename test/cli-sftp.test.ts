/**
 * The README's SFTP recipes through the built CLI against a real OpenSSH sshd on loopback:
 * a processed CSV published to a remote directory (atomic, named after the input), every file of
 * a remote directory read back in natural order as one input, a wrong host key refused.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { startSshd, type Sshd } from './helpers/sshd.js';

let server: Sshd;
let audience: Buffer;
const { dir, cleanup } = tempDir();
const JOB = ['--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256', '--default-country', 'US'];
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  server = await startSshd();
  audience = (await runCli(['generate', '--rows', '30000', '--seed', '5'])).stdout;
}, 60_000);
afterAll(async () => {
  await server?.stop();
  cleanup();
});

const auth = (): string[] => ['--sftp-key', server.clientKeyFile, '--sftp-host-key', server.hostKeyFingerprint];
const env = (): NodeJS.ProcessEnv => ({ AUDIENCE_PIPE_SFTP_PASSPHRASE: server.passphrase });
const url = (path: string): string => `sftp://${server.username}@127.0.0.1:${server.port}${path}`;

it('publishes a processed file to a remote directory under the input name, equal to the local result', async () => {
  const local = join(dir, 'segment-42.csv');
  writeFileSync(local, audience);
  const expected = (await runCli(['process', '--in', local, ...JOB])).stdout;
  const remoteDir = join(server.files, 'incoming');
  mkdirSync(remoteDir, { recursive: true });
  const res = await runCli(['process', '--in', local, '--out', url(`${remoteDir}/`), ...JOB, ...auth(), '--report', join(dir, 'up.json')], { env: env() });
  expect(res.stderr).not.toContain(server.passphrase);
  expect(res.code).toBe(0);
  expect(readdirSync(remoteDir)).toEqual(['segment-42.csv']);
  expect(sha(readFileSync(join(remoteDir, 'segment-42.csv')))).toBe(sha(expected));
  const report = readFileSync(join(dir, 'up.json'), 'utf8');
  expect(report).not.toContain(server.passphrase);
  expect(JSON.parse(report)).toMatchObject({ status: 'ok', recordsIn: 30000 });
});

it('keeps the spool in --tmp-dir while it runs and removes it; refuses a --tmp-dir that is not a directory', async () => {
  const local = join(dir, 'spooled.csv');
  writeFileSync(local, audience);
  const spoolParent = join(dir, 'spool-here');
  mkdirSync(spoolParent);
  const remote = join(server.files, 'spooled.csv');
  const res = await runCli(['process', '--in', local, '--out', url(remote), ...JOB, ...auth(), '--tmp-dir', spoolParent, '--log-level', 'debug'], { env: env() });
  expect(res.code).toBe(0);
  const created = res.stderr.split('\n').filter((l) => l.includes('"msg":"sftp spool created"')).map((l) => JSON.parse(l) as { spool: string });
  expect(created).toHaveLength(1);
  expect(created[0].spool.startsWith(`${spoolParent}/audience-pipe-sftp-`)).toBe(true);
  expect(readdirSync(spoolParent)).toEqual([]);
  expect(existsSync(remote)).toBe(true);

  const missing = join(dir, 'no-such-dir');
  const bad = await runCli(['process', '--in', local, '--out', url(join(server.files, 'never.csv')), ...JOB, ...auth(), '--tmp-dir', missing], { env: env() });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain(`--tmp-dir: "${missing}" is not a directory`);
  expect(existsSync(join(server.files, 'never.csv'))).toBe(false);
});

it('reads every matching file of a remote directory in natural order as one input with one header', async () => {
  const remoteDir = join(server.files, 'out');
  mkdirSync(remoteDir, { recursive: true });
  const lines = audience.toString().split('\n');
  const header = lines[0];
  // Split at record boundaries of the generated audience (records may hold quoted line breaks).
  const body = audience.subarray(audience.indexOf('\n') + 1);
  const parts: Buffer[] = [];
  let start = 0;
  for (let p = 0; p < 11; p++) {
    let cut = p === 10 ? body.length : Math.floor(((p + 1) * body.length) / 11);
    while (cut < body.length && !(body[cut - 1] === 0x0a && isRecordStart(body, cut))) cut++;
    parts.push(body.subarray(start, cut));
    start = cut;
  }
  parts.forEach((part, i) => {
    const file = Buffer.concat([Buffer.from(header + '\n'), part]);
    writeFileSync(join(remoteDir, `seg.part${i + 1}.csv.gz`), gzipSync(file));
  });
  writeFileSync(join(remoteDir, 'other.txt'), 'not matched\n');
  const out = join(dir, 'merged.csv');
  const res = await runCli(['process', '--in', url(`${remoteDir}/seg.part*.csv.gz`), ...auth(), ...JOB, '--out', out], { env: env() });
  expect(res.code).toBe(0);
  const expected = (await runCli(['process', ...JOB], { input: audience })).stdout;
  expect(readFileSync(out).equals(expected)).toBe(true);
});

it('stops before any output when a file carries another header', async () => {
  const remoteDir = join(server.files, 'mixed');
  mkdirSync(remoteDir, { recursive: true });
  writeFileSync(join(remoteDir, 'a1.csv'), 'crm_id,email\n1,a@b.c\n');
  writeFileSync(join(remoteDir, 'a2.csv'), 'crm_id,mail\n2,d@e.f\n');
  const out = join(dir, 'mixed.csv');
  const res = await runCli(['process', '--in', url(`${remoteDir}/a*.csv`), ...auth(), '--hash', 'email=sha256', '--out', out], { env: env() });
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/header differs/);
  expect(existsSync(out)).toBe(false);
});

it('refuses a server whose host key is not the pinned one, showing both fingerprints, and writes nothing', async () => {
  const remoteDir = join(server.files, 'pinned');
  mkdirSync(remoteDir, { recursive: true });
  const wrong = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
  const res = await runCli(['process', '--in', '-', '--out', url(`${remoteDir}/x.csv`), '--sftp-key', server.clientKeyFile, '--sftp-host-key', wrong, '--hash', 'email=sha256'], { input: 'email\na@b.c\n', env: env() });
  expect(res.code).toBe(1);
  expect(res.stderr).toContain(wrong);
  expect(res.stderr).toContain(server.hostKeyFingerprint);
  expect(readdirSync(remoteDir)).toEqual([]);
});

/** A line start that is a record start in the generated audience: it begins with a CRM ID or a comma (empty ID). */
function isRecordStart(body: Buffer, at: number): boolean {
  return body.subarray(at, at + 3).toString() === 'CRM' || body[at] === 0x2c;
}
