/**
 * A batch with its `.info` on a real OpenSSH sshd on loopback: the .info found beside the files of
 * a remote directory or glob, or named with --info sftp://...; a damaged remote batch stops the run
 * with nothing written; `audience-pipe verify sftp://.../x.info`; --move-after takes the .info along.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, ROOT, runCli, tempDir } from './helpers/cli.js';
import { startSshd, type Sshd } from './helpers/sshd.js';

const FIXTURE = join(ROOT, 'fixtures', 'aam-outbound');
const ROOT_NAME = 'ftp_1234_20915_iter_1486140843000';
const INFO = `${ROOT_NAME}.info`;
const JOB = ['--from', 'aam-outbound', '--hash', 'id=sha256'];
let server: Sshd;
const { dir, cleanup } = tempDir('ap-batch-sftp-');
let n = 0;

beforeAll(async () => {
  server = await startSshd();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  cleanup();
});

const auth = (): string[] => ['--sftp-key', server.clientKeyFile, '--sftp-host-key', server.hostKeyFingerprint];
const env = (): NodeJS.ProcessEnv => ({ AUDIENCE_PIPE_SFTP_PASSPHRASE: server.passphrase });
const url = (path: string): string => `sftp://${server.username}@127.0.0.1:${server.port}${path}`;

/** A copy of the fixture batch in a remote directory of its own. */
function remoteBatch(): string {
  const remote = join(server.files, `batch-${++n}`);
  cpSync(FIXTURE, remote, { recursive: true });
  return remote;
}

describe('an SFTP batch', () => {
  it('a remote directory: the .info beside its files checks them, then the run reads them', async () => {
    const remote = remoteBatch();
    const out = join(dir, `dir-${n}.csv`);
    const expected = await runCli(['process', '--in', FIXTURE, ...JOB]);
    const res = await runCli(['process', '--in', url(`${remote}/`), '--out', out, ...JOB, ...auth(), '--report', join(dir, `dir-${n}.json`)], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    expect(logLines(res.stderr).find((l) => l.event === 'batch_verified')).toMatchObject({ info: url(`${remote}/${INFO}`), files: 3 });
    expect(readFileSync(out).equals(expected.stdout)).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, `dir-${n}.json`), 'utf8')) as { inputs: { name: string; part: number }[]; recordsIn: number };
    expect(report.recordsIn).toBe(10);
    expect(report.inputs.map((i) => [i.name, i.part])).toEqual([1, 2, 3].map((k) => [url(`${remote}/${readdirSync(FIXTURE).filter((f) => !f.endsWith('.info')).sort()[k - 1]}`), k]));
  });

  it('a part missing on the server: exit 1 ERR_INFO_PART_MISSING, no output', async () => {
    const remote = remoteBatch();
    rmSync(join(remote, `${ROOT_NAME}002.sync`));
    const out = join(dir, `missing-${n}.csv`);
    const res = await runCli(['process', '--in', url(`${remote}/`), '--out', out, ...JOB, ...auth(), '--report', join(dir, `missing-${n}.json`)], { env: env() });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${ROOT_NAME}002.sync: listed in ${INFO} (FileSequenceNumber 2) but not found`);
    expect(JSON.parse(readFileSync(join(dir, `missing-${n}.json`), 'utf8'))).toMatchObject({ status: 'failed', error: { code: 'ERR_INFO_PART_MISSING' }, recordsOut: 0 });
    expect(existsSync(out)).toBe(false);
  });

  it('one byte changed on the server: exit 1 ERR_INFO_MISMATCH naming the part and both md5s', async () => {
    const remote = remoteBatch();
    const path = join(remote, `${ROOT_NAME}001.sync`);
    const bytes = readFileSync(path);
    bytes[3] = bytes[3] === 0x30 ? 0x31 : 0x30;
    writeFileSync(path, bytes);
    const res = await runCli(['process', '--in', url(`${remote}/${ROOT_NAME}*`), '--out', join(dir, `byte-${n}.csv`), ...JOB, ...auth()], { env: env() });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`${ROOT_NAME}001\\.sync: md5 expected 8ada5c03658407df87bd12a20460bf91, actual [0-9a-f]{32}`));
    expect(existsSync(join(dir, `byte-${n}.csv`))).toBe(false);
  });

  it('--info sftp://... names a .info kept elsewhere on the server', async () => {
    const remote = remoteBatch();
    const infoDir = join(server.files, `infos-${n}`);
    mkdirSync(infoDir);
    cpSync(join(remote, INFO), join(infoDir, INFO));
    rmSync(join(remote, INFO));
    const res = await runCli(['process', '--in', url(`${remote}/`), '--info', url(`${infoDir}/${INFO}`), ...JOB, ...auth()], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    expect(logLines(res.stderr).find((l) => l.event === 'batch_verified')).toMatchObject({ info: url(`${infoDir}/${INFO}`) });
  });

  it('--move-after moves the .info with the data once the run succeeded', async () => {
    const remote = remoteBatch();
    mkdirSync(join(remote, 'done'));
    const res = await runCli(['process', '--in', url(`${remote}/`), '--move-after', 'done', '--out', join(dir, `moved-${n}.csv`), ...JOB, ...auth()], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    expect(readdirSync(remote).filter((f) => f !== 'done')).toEqual([]);
    expect(readdirSync(join(remote, 'done')).sort()).toEqual(readdirSync(FIXTURE).sort());
  });
});

describe('audience-pipe verify sftp://', () => {
  it('checks the files beside a remote .info: exit 0, one line per part', async () => {
    const remote = remoteBatch();
    const res = await runCli(['verify', url(`${remote}/${INFO}`), ...auth()], { env: env() });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.toString().split('\n').filter(Boolean).map((l) => l.slice(0, 10))).toEqual(['ok        ', 'ok        ', 'ok        ', 'ok        ']);
  });

  it('a remote part not listed: exit 1', async () => {
    const remote = remoteBatch();
    writeFileSync(join(remote, `${ROOT_NAME}004.sync`), 'x 1\n');
    const res = await runCli(['verify', url(`${remote}/${INFO}`), ...auth()], { env: env() });
    expect(res.code).toBe(1);
    expect(res.stdout.toString()).toContain(`UNLISTED  ${ROOT_NAME}004.sync  not listed in ${INFO}`);
  });
});
