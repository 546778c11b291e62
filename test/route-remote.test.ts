/**
 * A routed run's files on the remote transports, through the CLI: SFTP (a real OpenSSH sshd on
 * loopback: each file streams to a .part under a temporary name, renamed to its final name at the
 * end) and Azure Blob (Azurite: each file spooled locally, uploaded as its final blob's blocks,
 * committed last). Every part is published with its final name; a failed run publishes none.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, startAzurite, type Azurite } from './helpers/azurite.js';
import { runCli, tempDir } from './helpers/cli.js';
import { startSshd, type Sshd } from './helpers/sshd.js';

const { dir, cleanup } = tempDir('ap-route-remote-');
const rows = Array.from({ length: 23 }, (_, i) => `${i + 1},u${i}@example.com,${i % 2 ? 'gold' : 'silver'}`);
const input = join(dir, 'in.csv');
writeFileSync(input, `id,email,tier\n${rows.join('\n')}\n`);
// 10 good records, then enough bad ones for --max-rejects 5 to stop the run after parts were written.
const failing = join(dir, 'failing.csv');
writeFileSync(failing, `id,email,tier\n${[...rows.slice(0, 10), ...Array.from({ length: 20 }, (_, i) => `${i},not-an-email,x`)].join('\n')}\n`);
const JOB = ['--hash', 'email=email_lc_sha256', '--chunk-size', '128', '--workers', '2'];
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

  it('partitions and splits into a remote directory: every file under its final name, no .part left', async () => {
    const remote = join(server.files, 'routed');
    mkdirSync(remote);
    const report = join(dir, 'sftp.json');
    const r = await runCli(['process', '--in', input, '--out', url(`${remote}/`), '--name', 'aud.csv', '--partition-by', 'tier', '--split-rows', '5', ...JOB, ...auth(), '--report', report, '--log-level', 'debug'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    // A finished part lets its connection go (suspend) and a fresh one renames it at the end: one
    // connection per part to write it, and one more for each of the 4 parts finished before the
    // run's end (the last part of each partition keeps its own until it is renamed).
    const connects = r.stderr.split('\n').filter((l) => l.includes('"msg":"sftp connected"')).length;
    expect(connects).toBe(6 + 4);
    expect(readdirSync(remote).sort()).toEqual(['aud_gold.csv', 'aud_gold_2.csv', 'aud_gold_3.csv', 'aud_silver.csv', 'aud_silver_2.csv', 'aud_silver_3.csv']);
    const gold = ['aud_gold.csv', 'aud_gold_2.csv', 'aud_gold_3.csv'].flatMap((f) => readFileSync(join(remote, f), 'utf8').split('\n').slice(1, -1));
    expect(gold.map((l) => Number(l.split(',')[0]))).toEqual(rows.filter((_, i) => i % 2).map((_, k) => 2 * k + 2));
    const rep = JSON.parse(readFileSync(report, 'utf8'));
    expect(rep.files.map((f: { name: string }) => f.name)).toEqual(['aud_silver.csv', 'aud_gold.csv', 'aud_silver_2.csv', 'aud_gold_2.csv', 'aud_silver_3.csv', 'aud_gold_3.csv']);
    expect(rep.partitions).toEqual({ silver: 12, gold: 11 });
  });

  it('a run that fails after parts were uploaded publishes none and leaves no .part', async () => {
    const remote = join(server.files, 'routed-failing');
    mkdirSync(remote);
    const r = await runCli(['process', '--in', failing, '--out', url(`${remote}/`), '--name', 'aud.csv', '--split-rows', '3', '--max-rejects', '5', ...JOB, ...auth()], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_TOO_MANY_REJECTS');
    expect(readdirSync(remote)).toEqual([]);
  });
});

describe('Azure Blob', { timeout: 60_000 }, () => {
  let az: Azurite;
  let agent: Agent;
  const C = 'routed';
  beforeAll(async () => {
    az = await startAzurite();
    await az.createContainer(C);
    agent = new Agent({ keepAliveTimeout: 1000 });
  }, 60_000);
  afterAll(async () => {
    await agent?.close();
    await az?.stop();
  });

  /** A service SAS for the whole container (sr=c), as the Data Landing Zone hands out. */
  function containerSas(perms: string): string {
    const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');
    const st = iso(new Date(Date.now() - 60_000));
    const se = iso(new Date(Date.now() + 15 * 60_000));
    const version = '2021-08-06';
    const sts = [perms, st, se, `/blob/${ACCOUNT}/${C}`, '', '', 'http', version, 'c', '', '', '', '', '', '', ''].join('\n');
    const key = Buffer.from('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', 'base64');
    const sig = createHmac('sha256', key).update(sts, 'utf8').digest('base64');
    return `${az.base}/${C}?${new URLSearchParams({ sv: version, st, se, sr: 'c', sp: perms, spr: 'http', sig }).toString()}`;
  }
  async function blobs(): Promise<string[]> {
    const res = await az.sharedKey('GET', `/${C}?restype=container&comp=list`);
    const xml = await res.body.text();
    return [...xml.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]).sort();
  }
  async function download(name: string): Promise<string> {
    const url = new URL(az.blobSasUrl(C, name, 'r'));
    const res = await agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET' });
    expect(res.statusCode).toBe(200);
    return res.body.text();
  }

  it('splits into a container: each part a committed blob under its final name, the local spool removed', async () => {
    const spool = join(dir, 'az-spool');
    mkdirSync(spool);
    const r = await runCli(['process', '--in', input, '--out', containerSas('cw'), '--name', 'seg.csv', '--split-rows', '10', '--tmp-dir', spool, ...JOB]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('sig=');
    expect(await blobs()).toEqual(['seg.csv', 'seg_2.csv', 'seg_3.csv']);
    const texts = await Promise.all(['seg.csv', 'seg_2.csv', 'seg_3.csv'].map(download));
    for (const t of texts) expect(t.startsWith('id,email,tier\n')).toBe(true);
    expect(texts.flatMap((t) => t.split('\n').slice(1, -1)).map((l) => Number(l.split(',')[0]))).toEqual(rows.map((_, i) => i + 1));
    expect(readdirSync(spool)).toEqual([]);
  });

  it('a run that fails publishes no blob', async () => {
    const before = await blobs();
    const spool = join(dir, 'az-spool-failing');
    mkdirSync(spool);
    const r = await runCli(['process', '--in', failing, '--out', containerSas('cw'), '--name', 'never.csv', '--split-rows', '3', '--max-rejects', '5', '--tmp-dir', spool, ...JOB]);
    expect(r.code).toBe(1);
    expect(await blobs()).toEqual(before);
    expect(readdirSync(spool)).toEqual([]);
  });
});
