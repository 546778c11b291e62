/**
 * `--info <url>` for an HTTP(S) batch (node:http on loopback): the part downloaded and checked
 * against the .info before the run reads it (a second download), a changed part or a .info
 * that does not list it refused with exit 1 and nothing written, signed URLs never shown.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infoBody } from '../src/batch/info.js';
import { logLines, runCli, tempDir } from './helpers/cli.js';

const PART = 'Camp_segment42_20170203165403.csv.gz';
const content = gzipSync('email,segment\njohndoe@example.com,42\n\njane@example.org,42\n');
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
/** What the server answers, by path (no query). */
const files = new Map<string, Buffer>();
const gets: string[] = [];
let server: Server;
let origin: string;
const { dir, cleanup } = tempDir('ap-batch-http-');

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').replace(/\?.*$/, '');
    gets.push(path);
    const body = files.get(path);
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  cleanup();
});

describe('--info <url>', () => {
  it('checks the downloaded part, then processes it: the part is downloaded twice', async () => {
    files.set(`/landing/${PART}`, content);
    files.set('/landing/batch.info', Buffer.from(infoBody([{ name: PART, bytes: content.length, lines: 4, md5: md5(content) }], PART)));
    gets.length = 0;
    const out = join(dir, 'ok.csv');
    const res = await runCli(['process', '--in', `${origin}/landing/${PART}?sig=SECRETSIG`, '--info', `${origin}/landing/batch.info?sig=SECRETSIG`, '--hash', 'email=email_lc_sha256', '--out', out, '--report', join(dir, 'ok.json')]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('SECRETSIG');
    expect(logLines(res.stderr).find((l) => l.event === 'batch_verified')).toMatchObject({ files: 1 });
    expect(gets).toEqual(['/landing/batch.info', `/landing/${PART}`, `/landing/${PART}`]);
    expect(readFileSync(out, 'utf8')).toContain('55e79200c1635b37ad31a378c39feb12f120f116625093a19bc32fff15041149,42');
    const report = JSON.parse(readFileSync(join(dir, 'ok.json'), 'utf8')) as { inputs: object[] };
    expect(report.inputs).toEqual([expect.objectContaining({ pattern: 'aep', destination: 'Camp', segment: '42', gzip: true })]);
  });

  it('a part that is not what the .info says: exit 1, both md5s, nothing written', async () => {
    const changed = gzipSync('email,segment\nmallory@example.com,42\n\njane@example.org,42\n');
    files.set(`/tampered/${PART}`, changed);
    files.set('/tampered/batch.info', Buffer.from(infoBody([{ name: PART, bytes: content.length, lines: 4, md5: md5(content) }], PART)));
    const out = join(dir, 'tampered.csv');
    const res = await runCli(['process', '--in', `${origin}/tampered/${PART}`, '--info', `${origin}/tampered/batch.info`, '--hash', 'email=email_lc_sha256', '--out', out, '--report', join(dir, 'tampered.json')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${PART}: ${changed.length === content.length ? '' : `FileByteSize expected ${content.length}, actual ${changed.length}; `}md5 expected ${md5(content)}, actual ${md5(changed)}`);
    expect(JSON.parse(readFileSync(join(dir, 'tampered.json'), 'utf8'))).toMatchObject({ status: 'failed', error: { code: 'ERR_INFO_MISMATCH' } });
    expect(existsSync(out)).toBe(false);
  });

  it('a .info that lists another file: the part is unlisted and the listed one missing', async () => {
    files.set(`/other/${PART}`, content);
    files.set('/other/batch.info', Buffer.from(infoBody([{ name: 'something-else.csv', bytes: content.length, lines: 4, md5: md5(content) }], 'x')));
    const res = await runCli(['process', '--in', `${origin}/other/${PART}`, '--info', `${origin}/other/batch.info`, '--hash', 'email=email_lc_sha256', '--out', join(dir, 'other.csv')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('something-else.csv: listed in batch.info (FileSequenceNumber 1) but not found');
    expect(res.stderr).toContain(`${PART}: not listed in batch.info`);
  });

  it('a .info URL that answers 404: exit 1 with the status', async () => {
    files.set(`/noinfo/${PART}`, content);
    const res = await runCli(['process', '--in', `${origin}/noinfo/${PART}`, '--info', `${origin}/noinfo/batch.info?sig=SECRETSIG`, '--hash', 'email=email_lc_sha256', '--out', join(dir, 'noinfo.csv')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/404/);
    expect(res.stderr).not.toContain('SECRETSIG');
  });
});
