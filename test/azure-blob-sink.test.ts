import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspect } from 'node:util';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransportConfig } from '../src/config/types.js';
import { createAzureBlobSink, type AzureBlobSinkOptions } from '../src/outputs/azure-blob-sink.js';
import { startAzurite, type Azurite } from './helpers/azurite.js';
import { capturingLogger, seededBytes, startFaultProxy, type ByteServer } from './helpers/http-server.js';

const cfg: TransportConfig = { sftpInsecureAcceptAnyHostKey: false, retries: 3, deleteAfter: false, accounts: {} };
const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const C = 'landing';

let az: Azurite;
let agent: Agent;
const proxies: ByteServer[] = [];
const captured = capturingLogger();
const errors: unknown[] = [];
const sigs: string[] = [];

beforeAll(async () => {
  az = await startAzurite();
  await az.createContainer(C);
  agent = new Agent({ keepAliveTimeout: 1000, connections: 8 });
});
afterAll(async () => {
  await agent?.close();
  for (const p of proxies) await p.close();
  await az?.stop();
});

function uploadUrl(blob: string): string {
  const url = az.blobSasUrl(C, blob, 'cw');
  sigs.push(new URL(url).searchParams.get('sig')!);
  return url;
}

/** Streams `data` in `chunk`-sized writes through the sink and commits; aborts on failure. */
async function upload(url: string, source: Iterable<Buffer> | AsyncIterable<Buffer>, options: AzureBlobSinkOptions, dispatcher: Dispatcher = agent) {
  const sink = createAzureBlobSink(url, cfg, captured.log, dispatcher, { backoffMs: 5, ...options });
  const ac = new AbortController();
  try {
    await pipeline(Readable.from(source), await sink.open(ac.signal), { signal: ac.signal });
    await sink.commit();
  } catch (err) {
    errors.push(err);
    await sink.abort(err);
    throw err;
  }
  return sink;
}

function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function download(blob: string): Promise<{ status: number; body: Buffer }> {
  const url = new URL(az.blobSasUrl(C, blob, 'r'));
  const res = await agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET' });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, body };
}

describe('createAzureBlobSink against Azurite', { timeout: 60_000 }, () => {
  it('uploads a 20 MB stream as blocks; the blob equals the bytes', async () => {
    const data = seededBytes(20 * 1000 * 1000 + 123, 1);
    const sink = await upload(uploadUrl('big.csv'), chunks(data, 65_536), { blockSize: MiB, maxInFlight: 3 });
    const got = await download('big.csv');
    expect(got.status).toBe(200);
    expect(sha(got.body)).toBe(sha(data));
    const d = sink.details!();
    expect(d).toMatchObject({ bytes: data.length, blocks: 20, attempts: 21, retries: 0, committed: true });
    expect(d.url).toBe(`${az.base}/${C}/big.csv`);
    expect(sink.description).not.toContain('?');
  });

  it('commits an empty blob for an empty output', async () => {
    const sink = await upload(uploadUrl('empty.csv'), [], {});
    const got = await download('empty.csv');
    expect(got.status).toBe(200);
    expect(got.body.length).toBe(0);
    expect(sink.details!()).toMatchObject({ blocks: 0, bytes: 0 });
  });

  it('an aborted upload leaves no blob', async () => {
    async function* failing() {
      yield* chunks(seededBytes(3 * MiB, 2), 65_536);
      throw new Error('input broke');
    }
    await expect(upload(uploadUrl('aborted.csv'), failing(), { blockSize: MiB })).rejects.toThrow('input broke');
    const got = await download('aborted.csv');
    expect(got.status).toBe(404);
  });

  it('refuses to commit before the whole output arrived', async () => {
    const sink = createAzureBlobSink(uploadUrl('early.csv'), cfg, captured.log, agent, { blockSize: MiB });
    const w = await sink.open(new AbortController().signal);
    await new Promise<void>((resolve, reject) => w.write(seededBytes(2 * MiB, 3), (e) => (e ? reject(e) : resolve())));
    await expect(sink.commit()).rejects.toMatchObject({ code: 'ERR_SINK_INCOMPLETE' });
    w.on('error', () => undefined);
    w.destroy(new Error('stop'));
    await sink.abort(new Error('stop'));
    expect((await download('early.csv')).status).toBe(404);
  });

  it('retries a Put Block that got 503 or a reset; the blob is still exact', async () => {
    let blocks = 0;
    const proxy = await startFaultProxy(`http://127.0.0.1:${az.port}`, (req) => {
      if (!req.url?.includes('comp=block&')) return undefined;
      blocks++;
      if (blocks === 2) return { kind: 'status', status: 503, code: 'ServerBusy' };
      if (blocks === 4) return { kind: 'drop', afterBytes: 100_000 };
      return undefined;
    });
    proxies.push(proxy);
    const data = seededBytes(5 * MiB + 5, 4);
    const url = uploadUrl('retried.csv').replace(`http://127.0.0.1:${az.port}`, proxy.origin);
    const sink = await upload(url, chunks(data, 65_536), { blockSize: MiB, maxInFlight: 2 });
    expect(sha((await download('retried.csv')).body)).toBe(sha(data));
    expect(sink.details!()).toMatchObject({ blocks: 6, retries: 2, attempts: 9 });
  });

  it('a bad signature fails at once with 403 and the service code, nothing committed', async () => {
    const url = new URL(uploadUrl('forbidden.csv'));
    url.searchParams.set('sig', 'AAAA' + url.searchParams.get('sig')!.slice(4));
    sigs.push(url.searchParams.get('sig')!);
    const err = await upload(url.toString(), chunks(seededBytes(2 * MiB, 5), 65_536), { blockSize: MiB }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/403 Forbidden \(AuthorizationFailure\)/);
    expect((err as { retryable: boolean }).retryable).toBe(false);
    expect((await download('forbidden.csv')).status).toBe(404);
  });

  it('keeps memory bounded with a slow sink: backpressure reaches the writer', async () => {
    const blockSize = MiB;
    const maxInFlight = 2;
    // Every request waits before it is sent: a sink far slower than the producer.
    const slow = agent.compose((dispatch) => (opts, handler) => {
      setTimeout(() => dispatch(opts, handler), 40);
      return true;
    });
    const url = uploadUrl('slow.csv');
    const sink = createAzureBlobSink(url, cfg, captured.log, slow, { blockSize, maxInFlight, backoffMs: 5 });
    let produced = 0;
    let maxAhead = 0;
    const total = 40 * MiB;
    const chunk = seededBytes(65_536, 6);
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    async function* producer() {
      while (produced < total) {
        maxAhead = Math.max(maxAhead, produced - (sink.details!().bytes as number));
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        produced += chunk.length;
        yield chunk;
      }
    }
    const ac = new AbortController();
    await pipeline(producer(), await sink.open(ac.signal), { signal: ac.signal });
    await sink.commit();
    const d = sink.details!();
    expect(d.peakBlocksInFlight).toBe(maxInFlight);
    // The writer can be ahead of the acknowledged bytes by the blocks in flight, the one being
    // filled, and the stream buffers (16 KiB writable + one pending chunk + Readable.from's 16 chunks).
    expect(maxAhead).toBeLessThanOrEqual((maxInFlight + 1) * blockSize + 2 * MiB);
    expect(rssPeak - rssBefore).toBeLessThan(200 * MiB);
    const got = await download('slow.csv');
    expect(got.body.length).toBe(total);
  });

  it('never shows a SAS signature in logs or errors', () => {
    const text = captured.lines.join('\n') + errors.map((e) => inspect(e, { depth: 10 })).join('\n');
    expect(captured.lines.some((l) => l.includes('retrying'))).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const sig of sigs) {
      expect(text).not.toContain(sig);
      expect(text).not.toContain(encodeURIComponent(sig));
    }
    expect(text).not.toContain('sig=');
  });
});
