/**
 * import-audience from an AAM outbound batch on a real OpenSSH sshd on loopback (the README's
 * recipe "An AAM outbound batch on SFTP to a Campaign list"): the batch checked against its .info,
 * reconciled as the same batch read locally is, the files moved once the list is published; a
 * failed run (--max-unmatched) publishes nothing and leaves the remote files where they were.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, ROOT, runCli, tempDir } from './helpers/cli.js';
import { startSshd, type Sshd } from './helpers/sshd.js';

const FIXTURE = join(ROOT, 'fixtures', 'aam-outbound');
let server: Sshd;
const { dir, cleanup } = tempDir('ap-import-sftp-');
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

// The fixture's IDs are e-mails encrypted under DOMAIN.md's test key and IV (hex).
writeFileSync(join(dir, 'k.hex'), '0123456789ABCDEF0123456789ABCDEF\n');
writeFileSync(join(dir, 'recipients.csv'), 'recipient_id,email,first_name\nR1,johndoe@example.com,John\nR2,KIM@example.com,Kim\nR3,max@example.org,Max\nR4,nobody@example.com,No\n');
const JOB = join(dir, 'job.json');
writeFileSync(JOB, JSON.stringify({
  profiles: { path: 'recipients.csv', id: 'recipient_id', email: 'email', fields: ['first_name'] },
  dataSources: [{ label: 'Encrypted e-mail', alias: 'CampaignEncEmail', dpid: 20915, type: 'declared', key: 'email', protection: { aes: { keyFile: 'k.hex', iv: '0123456789ABCDEFFEDCBA9876543210' }, channel: 'email' }, priority: 5 }],
}));

function remoteBatch(): string {
  const remote = join(server.files, `batch-${++n}`);
  cpSync(FIXTURE, remote, { recursive: true });
  mkdirSync(join(remote, 'done'));
  return remote;
}

describe('import-audience --in sftp://', () => {
  it('reconciles the remote batch as the local one, then moves it', async () => {
    const local = await runCli(['import-audience', '--job', JOB, '--in', FIXTURE, '--out', join(dir, 'local.csv'), '--unmatched', join(dir, 'local.unmatched.csv'), '--fields', 'first_name', '--log-level', 'warn']);
    expect(local.code, local.stderr).toBe(0);
    const remote = remoteBatch();
    const out = join(dir, 'remote.csv');
    const res = await runCli(['import-audience', '--job', JOB, '--in', url(`${remote}/`), ...auth(), '--move-after', 'done', '--out', out, '--unmatched', join(dir, 'remote.unmatched.csv'), '--fields', 'first_name', '--report', join(dir, 'remote.json'), '--log-format', 'json'], { env: env() });
    expect(res.code, res.stderr).toBe(0);
    expect(logLines(res.stderr).find((l) => l.event === 'batch_verified')).toMatchObject({ files: 3 });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'local.csv'), 'utf8'));
    expect(readFileSync(join(dir, 'remote.unmatched.csv'), 'utf8')).toBe(readFileSync(join(dir, 'local.unmatched.csv'), 'utf8'));
    expect(readFileSync(out, 'utf8').split('\n').slice(1, -1).map((l) => l.split(',')[1])).toEqual(['R1', 'R3', 'R2']);
    const report = JSON.parse(readFileSync(join(dir, 'remote.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'ok', recordsIn: 10, recordsMatched: 3, recordsUnmatched: 7, recordsRejected: 0, reconcile: { sourcesBy: 'dpid' } });
    expect(readdirSync(remote).filter((f) => f !== 'done')).toEqual([]);
    expect(readdirSync(join(remote, 'done')).sort()).toEqual(readdirSync(FIXTURE).sort());
  });

  it('a run that fails (--max-unmatched) publishes nothing and moves no remote file', async () => {
    const remote = remoteBatch();
    const out = join(dir, 'failed.csv');
    const res = await runCli(['import-audience', '--job', JOB, '--in', url(`${remote}/`), ...auth(), '--move-after', 'done', '--out', out, '--max-unmatched', '50%', '--log-level', 'warn'], { env: env() });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('7 of 10 records unmatched (70.0%), over --max-unmatched 50%');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(remote).filter((f) => f !== 'done').sort()).toEqual(readdirSync(FIXTURE).sort());
  });
});
