/**
 * The chunk-wide SHA-256 batch: native/sha256_batch.node (built by `npm ci`) against Node's
 * `crypto.hash`, value by value, and the whole CLI with the addon against the CLI without it.
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/tools/generate/prng.js';
import { NATIVE_SHA256_BATCH, SHA256_BYTES, SHA256_HEX, Sha256Batch } from '../src/transforms/sha256-batch.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** Seeded values: empty, short, around the 55/56/64-byte padding edges, multi-block, UTF-8. */
function values(seed: number, n: number): string[] {
  const rnd = mulberry32(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@_-+ éü漢😀';
  const out = ['', 'a', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(63), 'w'.repeat(64), 'v'.repeat(65), 'u'.repeat(1000)];
  while (out.length < n) {
    const len = Math.floor(rnd() * (rnd() < 0.9 ? 48 : 300));
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    out.push(s);
  }
  return out;
}

describe('Sha256Batch', () => {
  it('loads the native addon here (npm ci builds it; without it hashing is 3-4x slower)', () => {
    expect(NATIVE_SHA256_BATCH).toBe(true);
    expect(new Sha256Batch().isNative).toBe(true);
  });

  for (const native of [true, false]) {
    it(`${native ? 'native' : 'crypto.hash fallback'}: every placed digest equals crypto.hash, in scattered slots; unplaced values leave nothing`, () => {
      const batch = new Sha256Batch({ native });
      expect(batch.isNative).toBe(native);
      const vals = values(native ? 1 : 2, 5000);
      const out = Buffer.alloc(vals.length * (SHA256_HEX + 3), 0x2e);
      const want = Buffer.from(out);
      let slot = 1;
      for (let i = 0; i < vals.length; i++) {
        const item = i % 2 === 0 ? batch.addText(vals[i]) : batch.addLatin1(Buffer.from(vals[i], 'utf8').toString('latin1'));
        // A value whose record a later column rejected: never placed, never written.
        if (i % 97 === 5) continue;
        batch.place(item, slot);
        want.write(hash('sha256', Buffer.from(vals[i], 'utf8'), 'hex'), slot, 'latin1');
        slot += SHA256_HEX + 3;
      }
      batch.fill(out);
      expect(batch.count).toBe(0);
      expect(out.equals(want)).toBe(true);
    });
  }

  for (const native of [true, false]) {
    it(`${native ? 'native' : 'crypto.hash fallback'}: raw digests, 32 bytes a slot, equal crypto.hash's`, () => {
      const batch = new Sha256Batch({ native });
      const vals = values(native ? 3 : 4, 2000);
      const out = Buffer.alloc(vals.length * (SHA256_BYTES + 1), 0x2e);
      const want = Buffer.from(out);
      vals.forEach((v, i) => {
        batch.place(batch.addText(v), i * (SHA256_BYTES + 1));
        hash('sha256', Buffer.from(v, 'utf8'), 'buffer').copy(want, i * (SHA256_BYTES + 1));
      });
      batch.fillDigests(out);
      expect(batch.count).toBe(0);
      expect(out.equals(want)).toBe(true);
    });
  }

  it('the addon refuses ranges outside their buffers instead of writing past them', () => {
    const { sha256HexBatch } = createRequire(import.meta.url)(join(ROOT, 'native/build/Release/sha256_batch.node')) as {
      sha256HexBatch: (src: Uint8Array, s: Int32Array, e: Int32Array, n: number, out: Uint8Array, slots: Int32Array) => void;
    };
    const src = Buffer.from('abc');
    const out = Buffer.alloc(64);
    const ok = (): void => sha256HexBatch(src, Int32Array.of(0), Int32Array.of(3), 1, out, Int32Array.of(0));
    ok();
    expect(out.toString('latin1')).toBe(hash('sha256', 'abc', 'hex'));
    expect(() => sha256HexBatch(src, Int32Array.of(0), Int32Array.of(4), 1, out, Int32Array.of(0))).toThrow(RangeError);
    expect(() => sha256HexBatch(src, Int32Array.of(2), Int32Array.of(1), 1, out, Int32Array.of(0))).toThrow(RangeError);
    expect(() => sha256HexBatch(src, Int32Array.of(0), Int32Array.of(3), 1, out, Int32Array.of(1))).toThrow(RangeError);
    expect(() => sha256HexBatch(src, Int32Array.of(0), Int32Array.of(3), 2, out, Int32Array.of(0))).toThrow(RangeError);
    expect(() => sha256HexBatch(src, Int32Array.of(0), Int32Array.of(3), 1, out, new Int32Array(0))).toThrow(RangeError);
  });
});

it('the CLI writes the same output and rejects with the addon as without it', { timeout: 60_000 }, async () => {
  const audience = (await runCli(['generate', '--rows', '20000', '--seed', '11'])).stdout;
  const job = ['--hash', 'email=email_lc_sha256', '--hash', 'phone=phone_sha256', '--default-country', 'US', '--chunk-size', '64KiB'];
  const run = async (mode: string) => {
    const rejects = join(dir, `rejects-${mode}.csv`);
    const res = await runCli(['process', ...job, '--rejects', rejects], { input: audience, env: { AUDIENCE_PIPE_SHA256_BATCH: mode } });
    expect(res.code).toBe(0);
    return { out: res.stdout, rejects: readFileSync(rejects) };
  };
  const native = await run('native');
  const js = await run('js');
  expect(native.rejects.length).toBeGreaterThan(100);
  expect(native.out.equals(js.out)).toBe(true);
  expect(native.rejects.equals(js.rejects)).toBe(true);
});
