import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { TransportConfig } from '../../src/config/types.js';
import type { Logger } from '../../src/util/logger.js';
import type { Sink } from '../../src/outputs/sink.js';
import type { Source } from '../../src/sources/source.js';

/**
 * Points TMPDIR, where the SFTP sink keeps its spool, at a fresh directory for the suite (every
 * sink of the suite, whatever its config), checks after each test that no spool was left
 * behind, and restores TMPDIR at the end.
 */
export function spoolsInOwnDirectory(): void {
  const saved = process.env.TMPDIR;
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sftp-spool-'));
    process.env.TMPDIR = root;
  });
  afterEach(() => {
    expect(readdirSync(root)).toEqual([]);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });
}

/** A logger whose NDJSON lines are kept, so tests can search them for secrets. */
export function captureLogger(lines: string[]): Logger {
  const dest = { write: (s: string): void => void lines.push(s) };
  return pino({ level: 'debug', base: null }, dest);
}

export function transportConfig(over: Partial<TransportConfig> = {}): TransportConfig {
  return { sftpInsecureAcceptAnyHostKey: false, retries: 3, deleteAfter: false, accounts: {}, ...over };
}

/**
 * Seeded pseudo-random CSV-ish bytes (xorshift32), in fresh buffers of `chunk` bytes, so a
 * sink that kept them would show in RSS. `at(bytes)` is awaited before each chunk: tests use
 * it to inject faults at a given offset.
 */
export async function* generated(
  total: number,
  opts: { seed?: number; chunk?: number; at?: (sent: number) => Promise<void> | void } = {},
): AsyncGenerator<Buffer> {
  let x = opts.seed ?? 0x9e3779b9;
  const chunk = opts.chunk ?? 1024 * 1024;
  for (let sent = 0; sent < total; ) {
    await opts.at?.(sent);
    const n = Math.min(chunk, total - sent);
    const buf = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      if ((i & 3) === 0) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
      }
      // Printable digits and commas with a newline every 64 bytes: looks like a CSV.
      buf[i] = (sent + i) % 64 === 63 ? 10 : 44 + ((x >>> ((i & 3) * 8)) & 0xff) % 14;
    }
    sent += n;
    yield buf;
  }
}

/** SHA-256 of what `generated` yields for the same arguments (without the fault hook). */
export async function generatedSha(total: number, seed?: number): Promise<string> {
  const h = createHash('sha256');
  for await (const b of generated(total, { seed })) h.update(b);
  return h.digest('hex');
}

/** Runs the sink protocol as the pipeline does: write, end, commit; abort on any failure. */
export async function runSink(sink: Sink, data: AsyncIterable<Buffer>, signal = new AbortController().signal): Promise<void> {
  const w = await sink.open(signal);
  try {
    await pipeline(Readable.from(data), w, { signal });
    await sink.commit();
  } catch (err) {
    w.destroy();
    await sink.abort(err);
    throw err;
  }
}

/** Reads every part of a source in order; returns the SHA-256 of the bytes and the part names. */
export async function readSource(source: Source, signal = new AbortController().signal): Promise<{ sha: string; bytes: number; names: string[]; text?: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  const parts = await source.parts(signal);
  for (const p of parts) {
    const r = await p.open(signal);
    await pipeline(r, new Writable({
      write(chunk: Buffer, _e, cb) {
        h.update(chunk);
        bytes += chunk.length;
        cb();
      },
    }));
  }
  return { sha: h.digest('hex'), bytes, names: parts.map((p) => p.name) };
}

export function sha256(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Fails if `text` contains any of the secrets (or any 16+ character line of them). */
export function findSecrets(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    const needles = [s, ...s.split('\n').map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith('-----'))];
    for (const n of needles) if (text.includes(n)) found.push(n.slice(0, 8) + '...');
  }
  return found;
}
