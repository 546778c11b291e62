/**
 * export-audience to a real OpenSSH sshd on loopback (test/helpers/sshd.ts): gzip parts and their
 * .info under their final names in the remote directory, the same bytes as a local export of the
 * same profiles; a run that fails after parts were uploaded publishes none (no file, no .part).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { TS, writeJob } from './helpers/export.js';
import { generateProfiles, profilesCsv } from './helpers/profiles.js';
import { startSshd, type Sshd } from './helpers/sshd.js';

const { dir, cleanup } = tempDir('ap-export-sftp-');
writeFileSync(join(dir, 'profiles.csv'), profilesCsv(generateProfiles(1200, 8)));
const JOB = writeJob(dir, { path: 'profiles.csv' });
afterAll(cleanup);

describe('SFTP', { timeout: 60_000 }, () => {
  let server: Sshd;
  beforeAll(async () => {
    server = await startSshd();
  }, 60_000);
  afterAll(async () => server?.stop());
  const auth = (): string[] => ['--sftp-key', server.clientKeyFile, '--sftp-host-key', server.hostKeyFingerprint];
  const env = (): NodeJS.ProcessEnv => ({ AUDIENCE_PIPE_SFTP_PASSPHRASE: server.passphrase });
  const url = (path: string): string => `sftp://${server.username}@127.0.0.1:${server.port}${path}`;
  const args = (alias: string, out: string, extra: string[] = []) => ['export-audience', '--job', JOB, '--alias', alias, '--trait', 'd_sid=12', '--out', out, '--split-bytes', '20000', '--gzip', '--write-info', '--timestamp', String(TS), '--max-rejects', 'none', '--chunk-size', '65536', ...extra];

  it('writes the parts and the .info a local export writes, under their final names', async () => {
    const remote = join(server.files, 'incoming');
    mkdirSync(remote);
    const local = join(dir, 'local');
    mkdirSync(local);
    const r = await runCli([...args('S5', url(`${remote}/`)), ...auth(), '--unusable', join(dir, 'u-remote.csv')], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const l = await runCli([...args('S5', `${local}/`), '--unusable', join(dir, 'u-local.csv')]);
    expect(l.code, l.stderr).toBe(0);
    const names = readdirSync(local).sort();
    expect(names.length).toBeGreaterThan(3);
    expect(readdirSync(remote).sort()).toEqual(names);
    for (const f of names) expect(readFileSync(join(remote, f)).equals(readFileSync(join(local, f))), f).toBe(true);
    expect(readFileSync(join(dir, 'u-remote.csv'), 'utf8')).toBe(readFileSync(join(dir, 'u-local.csv'), 'utf8'));
    expect(r.stderr).not.toContain(server.passphrase);
  });

  it('a run that fails after parts were uploaded publishes none and leaves no .part', async () => {
    const remote = join(server.files, 'incoming-failing');
    mkdirSync(remote);
    // S2 (e-mails) has unusable profiles all along the table: past 30 of them the run stops, parts already written.
    const r = await runCli([...args('S2', url(`${remote}/`), ['--max-rejects', '30']), ...auth(), '--unusable', join(dir, 'u-failing.csv')], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_TOO_MANY_REJECTS');
    expect(readdirSync(remote)).toEqual([]);
    expect(readdirSync(dir)).not.toContain('u-failing.csv');
  });
});
