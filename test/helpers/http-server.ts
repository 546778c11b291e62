import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A fault for one request: the server takes the next one off the queue for each request. */
export type Fault =
  | { kind: 'drop'; afterBytes: number }
  | { kind: 'status'; status: number; code?: string; xmlCode?: string; body?: string }
  | { kind: 'change'; data: Buffer; etag: string }
  | { kind: 'ignore-range' };

export interface SeenRequest {
  method: string;
  url: string;
  range: string | undefined;
  ifMatch: string | undefined;
}

export interface ByteServer {
  readonly origin: string;
  readonly seen: SeenRequest[];
  readonly faults: Fault[];
  close(): Promise<void>;
}

/** Serves `data` on 127.0.0.1 at a free port, with Range, ETag/If-Match and scripted faults. */
export async function startByteServer(initial: Buffer, initialEtag = '"v1"'): Promise<ByteServer> {
  let data = initial;
  let etag = initialEtag;
  const seen: SeenRequest[] = [];
  const faults: Fault[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, ifMatch: req.headers['if-match'] });
    let fault = faults.shift();
    if (fault?.kind === 'change') {
      data = fault.data;
      etag = fault.etag;
      fault = faults.shift();
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/xml' };
      if (fault.code !== undefined) headers['x-ms-error-code'] = fault.code;
      const body = fault.body ?? (fault.xmlCode ? `<?xml version="1.0"?><Error><Code>${fault.xmlCode}</Code></Error>` : '');
      res.writeHead(fault.status, headers).end(body);
      return;
    }
    if (req.headers['if-match'] !== undefined && req.headers['if-match'] !== etag) {
      res.writeHead(412, { 'x-ms-error-code': 'ConditionNotMet' }).end();
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && fault?.kind !== 'ignore-range') {
      start = Number(m[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      res.writeHead(206, { etag, 'content-length': data.length - start, 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` });
    } else {
      res.writeHead(200, { etag, 'content-length': data.length, 'accept-ranges': 'bytes' });
    }
    const body = data.subarray(start);
    if (fault?.kind === 'drop') {
      res.write(body.subarray(0, fault.afterBytes), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  return listen(server, seen, faults);
}

/**
 * A reverse proxy to `target` (Azurite) that can fail chosen requests: `decide` sees each request
 * and returns a fault ('status' answers without forwarding; 'drop' forwards, then cuts the client).
 */
export async function startFaultProxy(
  target: string,
  decide: (req: IncomingMessage, n: number) => Fault | undefined,
): Promise<ByteServer> {
  const t = new URL(target);
  const seen: SeenRequest[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, ifMatch: req.headers['if-match'] });
    const fault = decide(req, n++);
    if (fault?.kind === 'status') {
      req.resume();
      req.once('end', () => res.writeHead(fault.status, fault.code ? { 'x-ms-error-code': fault.code } : {}).end());
      return;
    }
    if (fault?.kind === 'drop') {
      let got = 0;
      req.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= fault.afterBytes) req.socket.destroy();
      });
      return;
    }
    forward(t, req, res);
  });
  return listen(server, seen, []);
}

function forward(t: URL, req: IncomingMessage, res: ServerResponse): void {
  const up = httpRequest(
    { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on('error', () => res.socket?.destroy());
  req.pipe(up);
}

async function listen(server: Server, seen: SeenRequest[], faults: Fault[]): Promise<ByteServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic bytes (xorshift32) so large inputs need no committed files. */
export function seededBytes(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  for (; i < length; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) & 0xff;
  return out;
}

/** A pino logger whose lines are kept, so tests can search them for secrets. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}
