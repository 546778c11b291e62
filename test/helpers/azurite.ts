import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Agent, type Dispatcher } from 'undici';
import { freePort } from './ports.ts';

export { freePort };

/**
 * Azurite's blob service on 127.0.0.1 at a free port, in memory, telemetry off (SERVERS.md §7).
 * Start it in beforeAll and `stop()` it in afterAll; it is stopped by PID, never by name.
 */

export const ACCOUNT = 'devstoreaccount1';
/** Microsoft's published emulator key: not a secret. */
const KEY = Buffer.from('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', 'base64');
const VERSION = '2021-08-06';
const MAIN = fileURLToPath(new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url));

export interface Azurite {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  readonly base: string;
  /** A request signed with the account's Shared Key (container management, checks). */
  sharedKey(method: string, path: string, init?: { headers?: Record<string, string>; body?: Buffer | string }): Promise<Dispatcher.ResponseData>;
  createContainer(name: string): Promise<void>;
  /** A service SAS URL for one blob; perms e.g. 'cw' to upload, 'r' to read. */
  blobSasUrl(container: string, blob: string, perms: string, minutes?: number): string;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      MAIN,
      '--blobHost', '127.0.0.1',
      '--blobPort', String(port),
      '--inMemoryPersistence',
      '--extentMemoryLimit', '1024',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitReady(child, port);
  const base = `http://127.0.0.1:${port}/${ACCOUNT}`;
  const agent = new Agent({ keepAliveTimeout: 1000 });

  function sign(method: string, url: URL, h: Record<string, string>): string {
    const len = h['content-length'] && h['content-length'] !== '0' ? h['content-length'] : '';
    const xms = Object.keys(h)
      .filter((k) => k.startsWith('x-ms-'))
      .sort()
      .map((k) => `${k}:${h[k]}\n`)
      .join('');
    let resource = `/${ACCOUNT}${url.pathname}`;
    for (const k of [...new Set([...url.searchParams.keys()].map((k) => k.toLowerCase()))].sort()) {
      resource += `\n${k}:${url.searchParams.getAll(k).sort().join(',')}`;
    }
    const sts =
      [method, h['content-encoding'] ?? '', h['content-language'] ?? '', len, h['content-md5'] ?? '', h['content-type'] ?? '', '',
        h['if-modified-since'] ?? '', h['if-match'] ?? '', h['if-none-match'] ?? '', h['if-unmodified-since'] ?? '', h['range'] ?? ''].join('\n') +
      '\n' + xms + resource;
    return `SharedKey ${ACCOUNT}:${createHmac('sha256', KEY).update(sts, 'utf8').digest('base64')}`;
  }

  const az: Azurite = {
    pid: child.pid!,
    port,
    base,
    async sharedKey(method, path, init = {}) {
      const url = new URL(`${base}${path}`);
      const headers: Record<string, string> = { 'x-ms-date': new Date().toUTCString(), 'x-ms-version': VERSION };
      for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
      if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
      headers.authorization = sign(method, url, headers);
      return agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: method as Dispatcher.HttpMethod, headers, body: init.body });
    },
    async createContainer(name) {
      const res = await az.sharedKey('PUT', `/${name}?restype=container`);
      await res.body.dump();
      if (res.statusCode !== 201) throw new Error(`create container ${name}: ${res.statusCode}`);
    },
    blobSasUrl(container, blob, perms, minutes = 15) {
      const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');
      const st = iso(new Date(Date.now() - 60_000));
      const se = iso(new Date(Date.now() + minutes * 60_000));
      const sts = [perms, st, se, `/blob/${ACCOUNT}/${container}/${blob}`, '', '', 'http', VERSION, 'b', '', '', '', '', '', '', ''].join('\n');
      const sig = createHmac('sha256', KEY).update(sts, 'utf8').digest('base64');
      const q = new URLSearchParams({ sv: VERSION, st, se, sr: 'b', sp: perms, spr: 'http', sig });
      return `${base}/${container}/${blob}?${q.toString()}`;
    },
    async stop() {
      await agent.close().catch(() => undefined);
      await stopChild(child);
    },
  };
  return az;
}

async function waitReady(child: ChildProcess, port: number): Promise<void> {
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Azurite not ready in 20 s:\n${out}`));
    }, 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(`successfully listens on http://127.0.0.1:${port}`)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}:\n${out}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}
