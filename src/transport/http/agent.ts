import { STATUS_CODES } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { TransportError } from '../../errors/errors.js';

/**
 * The HTTP side of the transport layer: one keep-alive undici Agent per run, and the one place
 * that decides which failures another attempt can help (URL redaction is in url.ts).
 */

export interface HttpAgentOptions {
  /** A stalled server must not hang the run: no body byte for this long fails the attempt. */
  readonly bodyTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Sockets per origin; the blob sink keeps a few Put Block requests in flight. */
  readonly connections?: number;
}

/** One Agent per run: keep-alive sockets are reused by every request to the same origin. */
export function createHttpAgent(options: HttpAgentOptions = {}): Agent {
  return new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: options.headersTimeoutMs ?? 120_000,
    bodyTimeout: options.bodyTimeoutMs ?? 60_000,
    connections: options.connections ?? 8,
    connect: { timeout: options.connectTimeoutMs ?? 30_000, noDelay: true },
  });
}

/** A non-success HTTP status. `serviceCode` is Azure's `x-ms-error-code` or S3's `<Code>`. */
export class HttpStatusError extends TransportError {
  readonly status: number;
  readonly serviceCode: string | undefined;
  constructor(message: string, status: number, serviceCode: string | undefined, retryable: boolean) {
    super('ERR_HTTP_STATUS', message, { retryable });
    this.status = status;
    this.serviceCode = serviceCode;
  }
}

/** 5xx, 408 (request timeout) and 429 (throttled: Azure answers 503 ServerBusy, S3 503 SlowDown). */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns whatever a request threw into a TransportError. Resets, refused connections and
 * timeouts are retryable; anything unknown is not, so a bug cannot loop. Our own errors pass
 * through. The message names the redacted URL and the low-level code, never the query.
 */
export function classifyError(err: unknown, what: string): TransportError {
  if (err instanceof TransportError) return err;
  const code = errorCode(err) ?? (err as Error | null)?.name ?? 'unknown';
  const retryable = RETRYABLE_NETWORK_CODES.has(code);
  return new TransportError('ERR_HTTP_NETWORK', `${what} failed: ${code}${retryable ? '' : ' (not retried)'}`, {
    retryable,
    cause: err,
  });
}

/** How much of an error body is read to find the service's error code. */
const ERROR_BODY_LIMIT = 16 * 1024;

/**
 * Builds the error for a non-success response and consumes its body. Only the service's error
 * code is taken from the body, never its text: Azure's 403 detail quotes the offending signature.
 */
export async function statusError(res: Dispatcher.ResponseData, what: string): Promise<HttpStatusError> {
  let serviceCode = headerValue(res.headers, 'x-ms-error-code') ?? headerValue(res.headers, 'x-amz-error-code');
  const body = await readLimited(res.body, ERROR_BODY_LIMIT);
  serviceCode ??= /<Code>([A-Za-z0-9._-]{1,100})<\/Code>/.exec(body)?.[1];
  const status = res.statusCode;
  const retryable = isRetryableStatus(status);
  // The standard reason phrase, not the server's: Azure puts its own sentences there.
  const reason = STATUS_CODES[status];
  const text = `${status}${reason ? ` ${reason}` : ''}${serviceCode ? ` (${serviceCode})` : ''}`;
  return new HttpStatusError(`${what} failed: HTTP ${text}`, status, serviceCode, retryable);
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      parts.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= limit) break;
    }
  } catch {
    // The status is the error; a body that fails to arrive adds nothing.
  } finally {
    body.destroy();
  }
  return Buffer.concat(parts).toString('utf8', 0, Math.min(length, limit));
}

/** Discards a body we do not need, so the socket returns to the pool (or is closed). */
export async function discardBody(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 64 * 1024 });
  } catch {
    body.destroy();
  }
}

export function headerValue(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
