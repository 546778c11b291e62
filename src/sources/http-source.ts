import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { TransportConfig } from '../config/types.js';
import { TransportError } from '../errors/errors.js';
import { Retry } from '../transport/retry.js';
import {
  classifyError,
  createHttpAgent,
  discardBody,
  headerValue,
  statusError,
} from '../transport/http/agent.js';
import { redactUrl } from '../transport/http/url.js';
import type { Logger } from '../util/logger.js';
import type { Source, SourcePart } from './source.js';

export interface HttpSourceOptions {
  /** First retry waits about this long, doubling after each failure. */
  readonly backoffMs?: number;
}

/**
 * `--in https://...`: one part, streamed by GET. A dropped connection is resumed from the byte
 * we had with `Range: bytes=<had>-` (and `If-Match` on the first ETag, so a changed object is
 * never stitched), so the consumer sees one continuous stream with no byte repeated or lost.
 */
export function createHttpSource(
  url: string,
  cfg: TransportConfig,
  log: Logger,
  agent?: Dispatcher,
  options: HttpSourceOptions = {},
): Source {
  const target = new URL(url);
  const shown = redactUrl(target);
  const ownsAgent = agent === undefined;
  const dispatcher: Dispatcher = agent ?? createHttpAgent();
  let size: number | undefined;
  const part: SourcePart = {
    name: shown,
    size: () => size,
    open: async (signal) => openDownload({ dispatcher, target, shown, retries: cfg.retries, backoffMs: options.backoffMs ?? 250, log, onSize: (n) => (size = n) }, signal),
  };
  return {
    description: shown,
    parts: async () => [part],
    close: async () => {
      if (!ownsAgent) return;
      try {
        await dispatcher.close();
      } catch (err) {
        log.debug({ err: classifyError(err, 'closing HTTP agent') }, 'HTTP agent close failed');
      }
    },
  };
}

/** What the first response told us about the object; resumes must match it. */
interface ObjectIdentity {
  etag: string | undefined;
  total: number | undefined;
}

/** One object to download, the same for every attempt. */
interface DownloadRequest {
  readonly dispatcher: Dispatcher;
  readonly target: URL;
  /** The URL as logs and errors show it (no signature). */
  readonly shown: string;
  readonly retries: number;
  readonly backoffMs: number;
  readonly log: Logger;
  /** Told the object's size once the first response gives it. */
  readonly onSize: (bytes: number) => void;
}

async function openDownload(request: DownloadRequest, outer: AbortSignal): Promise<Readable> {
  // Destroying the stream must also stop a body read that is waiting for the network.
  const inner = new AbortController();
  const signal = AbortSignal.any([outer, inner.signal]);
  const chunks = download(request, signal);
  // The first response is awaited here (the generator announces it with an empty chunk), so a
  // 404 or 403 fails `open()` itself rather than the first read.
  await chunks.next();
  let pending = false;
  return new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (pending) return;
      pending = true;
      chunks.next().then(
        (r) => {
          pending = false;
          if (r.done) this.push(null);
          else this.push(r.value);
        },
        (err: unknown) => {
          pending = false;
          this.destroy(err as Error);
        },
      );
    },
    destroy(err, cb) {
      inner.abort(err ?? new TransportError('ERR_HTTP_NETWORK', 'download stream destroyed', { retryable: false }));
      chunks.return(undefined).then(
        () => cb(err),
        () => cb(err),
      );
    },
  });
}

/**
 * The download as chunks. Yields an empty Buffer once the first response is accepted, so the
 * caller can await it before handing out the stream.
 */
async function* download(request: DownloadRequest, signal: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
  const { dispatcher, target, shown, retries, log, onSize } = request;
  const what = `GET ${shown}`;
  const id: ObjectIdentity = { etag: undefined, total: undefined };
  let had = 0;
  let identified = false;
  const started = Date.now();
  const retry = new Retry({
    retries,
    baseMs: request.backoffMs,
    signal,
    classify: (err) => {
      if (signal.aborted) throw signal.reason;
      return classifyError(err, what);
    },
    exhausted: (failure, attempts) => new TransportError(failure.code, `${failure.message} after ${attempts} attempts at byte ${had}`, { retryable: false, cause: failure }),
    onRetry: (failure, attempt) =>
      log.warn({ url: shown, resumeAt: had, attempt, retries, code: failure.code, reason: failure.message }, 'HTTP download interrupted; retrying from the byte it had'),
  });
  for (;;) {
    let res: Dispatcher.ResponseData | undefined;
    try {
      const headers: Record<string, string> = {};
      if (identified) {
        headers.range = `bytes=${had}-`;
        if (id.etag !== undefined) headers['if-match'] = id.etag;
      }
      res = await dispatcher.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: 'GET',
        headers,
        signal,
      });
      let skip = acceptResponse(res, identified, had, id, what);
      if (skip === undefined) throw await statusError(res, what);
      if (!identified) {
        identified = true;
        if (id.total !== undefined) onSize(id.total);
        yield Buffer.alloc(0);
      }
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        let piece = chunk;
        if (skip > 0) {
          // A server that ignored Range re-sends from byte 0: drop what the consumer already has.
          const n = Math.min(skip, piece.length);
          skip -= n;
          piece = piece.subarray(n);
          if (piece.length === 0) continue;
        }
        had += piece.length;
        yield piece;
      }
      if (id.total !== undefined && had !== id.total) {
        throw new TransportError('ERR_HTTP_SHORT_BODY', `${what} ended at byte ${had} of ${id.total}`, { retryable: true });
      }
      log.info({ url: shown, bytes: had, attempts: retry.attempts, ms: Date.now() - started }, 'HTTP download complete');
      return;
    } catch (err) {
      res?.body.destroy();
      await retry.next(err);
    }
  }
}

/**
 * Checks a response against what we asked for. Returns how many leading bytes of its body to
 * skip, or undefined when the status is a failure the caller turns into an error.
 */
function acceptResponse(
  res: Dispatcher.ResponseData,
  identified: boolean,
  had: number,
  id: ObjectIdentity,
  what: string,
): number | undefined {
  const etag = headerValue(res.headers, 'etag');
  if (!identified) {
    if (res.statusCode !== 200) return undefined;
    id.etag = etag;
    const length = Number(headerValue(res.headers, 'content-length'));
    id.total = Number.isSafeInteger(length) ? length : undefined;
    return 0;
  }
  if (res.statusCode === 412) {
    void discardBody(res.body);
    throw changed(what, 'the ETag no longer matches (412)');
  }
  if (id.etag !== undefined && etag !== undefined && etag !== id.etag) {
    void discardBody(res.body);
    throw changed(what, 'the ETag changed');
  }
  if (res.statusCode === 200) {
    const length = Number(headerValue(res.headers, 'content-length'));
    if (id.total !== undefined && Number.isSafeInteger(length) && length !== id.total) {
      void discardBody(res.body);
      throw changed(what, `its length changed from ${id.total} to ${length}`);
    }
    return had;
  }
  if (res.statusCode !== 206) return undefined;
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(headerValue(res.headers, 'content-range') ?? '');
  if (range === null || Number(range[1]) !== had || (id.total !== undefined && range[3] !== '*' && Number(range[3]) !== id.total)) {
    void discardBody(res.body);
    throw new TransportError('ERR_HTTP_RANGE', `${what}: resume at byte ${had} got Content-Range "${headerValue(res.headers, 'content-range') ?? ''}"`, {
      retryable: false,
    });
  }
  return 0;
}

function changed(what: string, why: string): TransportError {
  return new TransportError('ERR_HTTP_CHANGED', `${what}: the object changed during the download (${why}); not stitching`, {
    retryable: false,
  });
}
