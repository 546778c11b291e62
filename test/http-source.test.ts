import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TransportConfig } from '../src/config/types.js';
import { TransportError } from '../src/errors/errors.js';
import { createHttpSource } from '../src/sources/http-source.js';
import { HttpStatusError } from '../src/transport/http/agent.js';
import { redactUrl } from '../src/transport/http/url.js';
import { capturingLogger, seededBytes, startByteServer, type ByteServer } from './helpers/http-server.js';

const SIG = 'c2VjcmV0LXNpZ25hdHVyZS1kby1ub3QtbG9n';
const QUERY = `?sv=2021-08-06&sr=b&sp=r&sig=${encodeURIComponent(SIG)}`;
const cfg: TransportConfig = { sftpInsecureAcceptAnyHostKey: false, retries: 3, deleteAfter: false, accounts: {} };
const DATA = seededBytes(5 * 1024 * 1024 + 17, 42);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let server: ByteServer;
let agent: Agent;
const captured = capturingLogger();
const errors: unknown[] = [];

beforeAll(async () => {
  server = await startByteServer(DATA);
  agent = new Agent({ keepAliveTimeout: 1000 });
});
afterAll(async () => {
  await agent?.close();
  await server?.close();
});
beforeEach(() => {
  server.seen.length = 0;
  server.faults.length = 0;
});

async function download(path = '/container/audience.csv', retries = cfg.retries): Promise<Buffer> {
  const source = createHttpSource(`${server.origin}${path}${QUERY}`, { ...cfg, retries }, captured.log, agent, { backoffMs: 5 });
  try {
    const signal = new AbortController().signal;
    const [part] = await source.parts(signal);
    const stream = await part.open(signal);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } catch (err) {
    errors.push(err);
    throw err;
  } finally {
    await source.close?.();
  }
}

describe('createHttpSource', { timeout: 20_000 }, () => {
  it('streams the whole object; names it without the query', async () => {
    const got = await download();
    expect(sha(got)).toBe(sha(DATA));
    expect(server.seen).toHaveLength(1);
    const source = createHttpSource(`${server.origin}/container/audience.csv${QUERY}`, cfg, captured.log, agent);
    expect(source.description).toBe(`${server.origin}/container/audience.csv`);
    expect((await source.parts(new AbortController().signal))[0].name).not.toContain('sig');
  });

  it('resumes a dropped connection with Range and If-Match, without repeating or losing a byte', async () => {
    server.faults.push({ kind: 'drop', afterBytes: 1_000_003 }, { kind: 'drop', afterBytes: 777_777 });
    const got = await download();
    expect(got.length).toBe(DATA.length);
    expect(sha(got)).toBe(sha(DATA));
    expect(server.seen.map((r) => r.range)).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/), expect.stringMatching(/^bytes=\d+-$/)]);
    const resumedAt = Number(/\d+/.exec(server.seen[1].range!)![0]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1_000_003);
    expect(server.seen[1].ifMatch).toBe('"v1"');
  });

  it('skips the bytes it had when a resume is answered 200 from byte 0', async () => {
    server.faults.push({ kind: 'drop', afterBytes: 300_000 }, { kind: 'ignore-range' });
    expect(sha(await download())).toBe(sha(DATA));
    expect(server.seen).toHaveLength(2);
  });

  it('retries 503 and then succeeds', async () => {
    server.faults.push({ kind: 'status', status: 503, code: 'ServerBusy' }, { kind: 'status', status: 503, code: 'ServerBusy' });
    expect(sha(await download())).toBe(sha(DATA));
    expect(server.seen).toHaveLength(3);
  });

  it('fails at once on 404 with the status and the service error code, no retry', async () => {
    server.faults.push({ kind: 'status', status: 404, code: 'BlobNotFound' });
    const err = await download().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as HttpStatusError).status).toBe(404);
    expect((err as HttpStatusError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/404.*BlobNotFound/);
    expect(server.seen).toHaveLength(1);
  });

  it('fails at once on 403, takes the code from an XML body, never its text', async () => {
    server.faults.push({
      kind: 'status',
      status: 403,
      body: `<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><AuthenticationErrorDetail>The MAC signature found in the HTTP request '${SIG}' is not the same</AuthenticationErrorDetail></Error>`,
    });
    const err = await download().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/403.*AuthenticationFailed/);
    expect((err as HttpStatusError).code).toBe('ERR_HTTP_STATUS');
    expect(server.seen).toHaveLength(1);
  });

  it('does not stitch an object that changed between attempts', async () => {
    server.faults.push({ kind: 'drop', afterBytes: 100_000 }, { kind: 'change', data: seededBytes(DATA.length, 7), etag: '"v2"' });
    const err = await download().catch((e: unknown) => e);
    expect((err as TransportError).code).toBe('ERR_HTTP_CHANGED');
    expect((err as TransportError).retryable).toBe(false);
    server.faults.push({ kind: 'change', data: DATA, etag: '"v1"' });
    expect(sha(await download())).toBe(sha(DATA));
  });

  it('gives up after `retries` retries', async () => {
    for (let i = 0; i < 10; i++) server.faults.push({ kind: 'drop', afterBytes: 1000 });
    const err = await download('/container/audience.csv', 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toMatch(/after 3 attempts at byte 3000/);
    expect(server.seen).toHaveLength(3);
  });

  it('destroying the stream mid-body stops the download', async () => {
    const source = createHttpSource(`${server.origin}/x${QUERY}`, cfg, captured.log, agent);
    const signal = new AbortController().signal;
    const stream = await (await source.parts(signal))[0].open(signal);
    await new Promise((r) => stream.once('data', r));
    stream.destroy();
    await new Promise((r) => stream.once('close', r));
    expect(stream.destroyed).toBe(true);
  });

  it('never shows the SAS signature in logs or errors', () => {
    const text = captured.lines.join('\n') + errors.map((e) => inspect(e, { depth: 10 })).join('\n');
    expect(captured.lines.some((l) => l.includes('retrying from the byte it had'))).toBe(true);
    expect(errors.length).toBeGreaterThan(2);
    expect(text).not.toContain(SIG);
    expect(text).not.toContain('sig=');
    expect(redactUrl(`https://a.blob.core.windows.net/c/b${QUERY}`)).toBe('https://a.blob.core.windows.net/c/b');
  });
});
