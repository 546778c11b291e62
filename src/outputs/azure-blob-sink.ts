import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { TransportConfig } from '../config/types.js';
import { TransportError } from '../errors/errors.js';
import { classifyError, createHttpAgent, discardBody, statusError } from '../transport/http/agent.js';
import { redactUrl } from '../transport/http/url.js';
import { withRetries } from '../transport/retry.js';
import type { Logger } from '../util/logger.js';
import { gzipByName, type Sink } from './sink.js';

export interface AzureBlobSinkOptions {
  /** Bytes per Put Block. Default 8 MiB: 50,000 blocks then allow a blob of about 390 GiB. */
  readonly blockSize?: number;
  /** Put Block requests in flight at once. Memory is about (maxInFlight + 1) × blockSize. */
  readonly maxInFlight?: number;
  /** First retry waits about this long, doubling after each failure. */
  readonly backoffMs?: number;
}

/** A version that supports blocks up to 4000 MiB; verified against Azurite (SERVERS.md §7). */
const X_MS_VERSION = '2021-08-06';
/** Azure's limit of committed blocks per blob. */
const MAX_BLOCKS = 50_000;

/**
 * `--out https://acct.blob.core.windows.net/container/blob?<SAS>`: the output goes up as Put Block
 * requests while it streams and becomes visible only on `commit()` (Put Block List), so a failed
 * run never publishes a partial blob. Blocks of an aborted run stay uncommitted; Azure discards
 * uncommitted blocks by itself after 7 days, and they never change a blob already under the name.
 * The URL's shape comes checked by the configuration (src/config/endpoints.ts).
 */
export function createAzureBlobSink(
  url: string,
  cfg: TransportConfig,
  log: Logger,
  agent?: Dispatcher,
  options: AzureBlobSinkOptions = {},
): Sink {
  const target = new URL(url);
  const shown = redactUrl(target);
  const blockSize = options.blockSize ?? 8 * 1024 * 1024;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 3);
  const backoffMs = options.backoffMs ?? 250;
  const ownsAgent = agent === undefined;
  const dispatcher: Dispatcher = agent ?? createHttpAgent({ connections: maxInFlight + 1 });
  // The SAS query is kept as given: re-serialising it could change how `sig` is encoded.
  const path = (extra: string) => `${target.pathname}${target.search}&${extra}`;
  // Fixed-length ids (Azure requires one length per blob); the nonce keeps runs apart.
  const nonce = randomBytes(6).toString('hex');
  const blockId = (index: number) => Buffer.from(`${nonce}-${String(index).padStart(6, '0')}`).toString('base64');

  const controller = new AbortController();
  let signal: AbortSignal = controller.signal;
  const blockIds: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;
  let writable: Writable | undefined;
  let current: Buffer | undefined;
  let fill = 0;
  let finished = false;
  let committed = false;
  let aborted = false;
  const stats = { bytes: 0, blocks: 0, attempts: 0, retries: 0, peakBlocksInFlight: 0 };
  const started = Date.now();

  /** One request with retries for 5xx, resets and timeouts. Returns once the status was `expect`. */
  async function send(what: string, request: Dispatcher.RequestOptions, expect: number): Promise<void> {
    await withRetries(
      async () => {
        stats.attempts++;
        let res: Dispatcher.ResponseData | undefined;
        try {
          res = await dispatcher.request({ ...request, signal });
          if (res.statusCode !== expect) throw await statusError(res, what);
          await discardBody(res.body);
        } catch (err) {
          res?.body.destroy();
          throw err;
        }
      },
      {
        retries: cfg.retries,
        baseMs: backoffMs,
        signal,
        classify: (err) => {
          if (signal.aborted) throw signal.reason;
          return classifyError(err, what);
        },
        exhausted: (e, attempts) => new TransportError(e.code, `${e.message} after ${attempts} attempts`, { retryable: false, cause: e }),
        onRetry: (e, attempt) => {
          stats.retries++;
          log.warn({ url: shown, attempt, retries: cfg.retries, code: e.code, reason: e.message }, 'Azure Blob request failed; retrying');
        },
      },
    );
  }

  function putBlock(index: number, data: Buffer): Promise<void> {
    const id = blockId(index);
    return send(
      `Put Block ${index} of ${shown}`,
      {
        origin: target.origin,
        path: path(`comp=block&blockid=${encodeURIComponent(id)}`),
        method: 'PUT',
        headers: { 'x-ms-version': X_MS_VERSION, 'content-length': String(data.length) },
        body: data,
      },
      201,
    ).then(() => {
      stats.bytes += data.length;
      stats.blocks++;
    });
  }

  /** Waits for a free slot (this is where backpressure reaches the writer), then starts the block. */
  async function dispatchBlock(data: Buffer): Promise<void> {
    while (inFlight.size >= maxInFlight && failure === undefined) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    const index = blockIds.length;
    if (index >= MAX_BLOCKS) {
      throw new TransportError(
        'ERR_AZURE_TOO_MANY_BLOCKS',
        `${shown}: the output needs more than ${MAX_BLOCKS} blocks of ${blockSize} bytes`,
        { retryable: false },
      );
    }
    blockIds.push(blockId(index));
    const p: Promise<void> = putBlock(index, data).then(
      () => {
        inFlight.delete(p);
      },
      (err: unknown) => {
        inFlight.delete(p);
        failure ??= err as Error;
        writable?.destroy(failure);
      },
    );
    inFlight.add(p);
    stats.peakBlocksInFlight = Math.max(stats.peakBlocksInFlight, inFlight.size);
  }

  async function append(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (failure !== undefined) throw failure;
      current ??= Buffer.allocUnsafeSlow(blockSize);
      const n = chunk.copy(current, fill, offset);
      fill += n;
      offset += n;
      if (fill === blockSize) {
        const full = current;
        current = undefined;
        fill = 0;
        await dispatchBlock(full);
      }
    }
  }

  async function flush(): Promise<void> {
    if (current !== undefined && fill > 0) await dispatchBlock(current.subarray(0, fill));
    current = undefined;
    fill = 0;
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    finished = true;
  }

  return {
    description: shown,
    gzip: gzipByName(target.pathname),

    async open(outer: AbortSignal): Promise<Writable> {
      signal = AbortSignal.any([outer, controller.signal]);
      writable = new Writable({
        write(chunk: Buffer, _encoding, cb) {
          append(chunk).then(() => cb(), cb);
        },
        final(cb) {
          flush().then(() => cb(), cb);
        },
        destroy(err, cb) {
          if (err !== null && !finished) controller.abort(err);
          current = undefined;
          cb(err);
        },
      });
      return writable;
    },

    async commit(): Promise<void> {
      if (failure !== undefined) throw failure;
      if (!finished || aborted) {
        throw new TransportError('ERR_SINK_INCOMPLETE', `${shown}: commit before the whole output was uploaded`, {
          retryable: false,
        });
      }
      const xml = `<?xml version="1.0" encoding="utf-8"?><BlockList>${blockIds.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
      const headers = { 'x-ms-version': X_MS_VERSION, 'content-type': 'application/xml' };
      await send(`Put Block List of ${shown}`, { origin: target.origin, path: path('comp=blocklist'), method: 'PUT', headers, body: xml }, 201);
      committed = true;
      const ms = Date.now() - started;
      log.info({ url: shown, bytes: stats.bytes, blocks: stats.blocks, attempts: stats.attempts, ms }, 'Azure blob committed');
      await closeAgent();
    },

    async abort(reason: unknown): Promise<void> {
      aborted = true;
      controller.abort(reason);
      await Promise.allSettled(inFlight);
      if (!committed) {
        log.warn(
          { url: shown, blocks: stats.blocks, bytes: stats.bytes, code: (reason as { code?: unknown } | null)?.code },
          'Azure blob upload aborted: nothing committed; its uncommitted blocks expire after 7 days',
        );
      }
      await closeAgent();
    },

    details(): Record<string, unknown> {
      return { url: shown, ...stats, blockSize, maxInFlight, committed };
    },
  };

  async function closeAgent(): Promise<void> {
    if (!ownsAgent) return;
    try {
      await dispatcher.close();
    } catch {
      // Closing is best effort; the sockets die with the process.
    }
  }
}
