/**
 * The README's Data Landing Zone recipes end to end through the built CLI: a download over HTTP
 * that drops mid-body (resumed with Range) processed to a local file, and a processed file
 * uploaded to a real Azure Blob emulator (Azurite) through a SAS URL.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAzurite, type Azurite } from './helpers/azurite.js';
import { runCli, tempDir } from './helpers/cli.js';
import { startByteServer, type ByteServer } from './helpers/http-server.js';

let az: Azurite;
let server: ByteServer;
let audience: Buffer;
let expected: Buffer;
const { dir, cleanup } = tempDir();
const JOB = ['--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256_e164', '--default-country', 'US'];

beforeAll(async () => {
  audience = (await runCli(['generate', '--rows', '40000', '--seed', '11'])).stdout;
  expected = (await runCli(['process', ...JOB], { input: audience })).stdout;
  server = await startByteServer(audience);
  az = await startAzurite();
  await az.createContainer('landing');
}, 60_000);
afterAll(async () => {
  await server?.close();
  await az?.stop();
  cleanup();
});

it('downloads over HTTP, resumes a dropped connection with Range, and processes to a file', async () => {
  server.faults.push({ kind: 'drop', afterBytes: 1_000_000 });
  const out = join(dir, 'from-http.csv');
  const res = await runCli(['process', '--in', `${server.origin}/export/aud.csv?sv=2021&sig=SECRETSIG`, '--out', out, ...JOB, '--report', join(dir, 'http.json')]);
  expect(res.stderr).not.toContain('SECRETSIG');
  expect(res.code).toBe(0);
  expect(readFileSync(out).equals(expected)).toBe(true);
  const ranged = server.seen.filter((r) => r.range !== undefined);
  expect(ranged.length).toBeGreaterThanOrEqual(1);
  const report = readFileSync(join(dir, 'http.json'), 'utf8');
  expect(report).not.toContain('SECRETSIG');
  expect(JSON.parse(report).bytesIn).toBe(audience.length);
});

it('fails a 404 at once with exit 1, the status in the message, and no output file', async () => {
  server.faults.push({ kind: 'status', status: 404, code: 'BlobNotFound' });
  const out = join(dir, 'never.csv');
  const res = await runCli(['process', '--in', `${server.origin}/missing.csv?sig=X`, '--out', out, ...JOB]);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/404/);
  expect(() => readFileSync(out)).toThrow();
});

it('uploads the processed output to Azure Blob through a SAS URL, committed only when complete', async () => {
  const local = join(dir, 'aud.csv');
  writeFileSync(local, audience);
  const url = az.blobSasUrl('landing', 'processed/aud.csv', 'cw');
  const sig = new URL(url).searchParams.get('sig')!;
  const res = await runCli(['process', '--in', local, '--out', url, ...JOB, '--report', join(dir, 'az.json')]);
  expect(res.code).toBe(0);
  expect(res.stderr).not.toContain(sig);
  expect(readFileSync(join(dir, 'az.json'), 'utf8')).not.toContain(sig);
  const got = await fetch(az.blobSasUrl('landing', 'processed/aud.csv', 'r'));
  expect(got.status).toBe(200);
  const body = Buffer.from(await got.arrayBuffer());
  expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
});
