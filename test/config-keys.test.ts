/** Named keys from the config side: many chunks and workers, the CLI key beside a named one, encryption, and every bad keys entry (test/cli-keys.test.ts has the basic two-source run). */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir('ap-config-keys-');
afterAll(cleanup);

interface Source {
  readonly key: Buffer;
  readonly iv: Buffer;
  readonly encoding: 'hex' | 'base64';
}
const A: Source = { key: randomBytes(32), iv: randomBytes(16), encoding: 'hex' };
const B: Source = { key: randomBytes(16), iv: randomBytes(16), encoding: 'base64' };

const encrypt = (s: Source, text: string): string => {
  const c = createCipheriv(`aes-${s.key.length * 8}-cbc`, s.key, s.iv);
  return Buffer.concat([c.update(text, 'utf8'), c.final()]).toString(s.encoding);
};
/** The reference: node:crypto's own decryption of one value. */
const decrypt = (s: Source, text: string): string => {
  const d = createDecipheriv(`aes-${s.key.length * 8}-cbc`, s.key, s.iv);
  return Buffer.concat([d.update(Buffer.from(text, s.encoding)), d.final()]).toString('utf8');
};

const keyFile = (name: string, s: Source): string => {
  const path = join(dir, `${name}.hex`);
  writeFileSync(path, `${s.key.toString('hex')}\n`, { mode: 0o600 });
  return path;
};
const ROWS = Array.from({ length: 300 }, (_, i) => ({ id: String(i), crmA: `crm-${i}-ä`, crmB: `user${i}@example.com` }));
const INPUT = `id,crm_a,crm_b\n${ROWS.map((r) => `${r.id},${encrypt(A, r.crmA)},${encrypt(B, r.crmB)}`).join('\n')}\n`;
const config = (keys: Record<string, unknown>): string => {
  const path = join(dir, `config-${Object.keys(keys).join('-')}.json`);
  writeFileSync(path, JSON.stringify({ keys }));
  return path;
};

/** Each output row's columns, checked against the reference decryption of its input column. */
function expectDecrypted(stdout: Buffer): void {
  const lines = stdout.toString().trimEnd().split('\n');
  expect(lines[0]).toBe('id,crm_a,crm_b');
  const input = INPUT.trimEnd().split('\n').slice(1).map((l) => l.split(','));
  expect(lines.slice(1).map((l) => l.split(','))).toEqual(input.map(([id, a, b]) => [id, decrypt(A, a), decrypt(B, b)]));
  expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(ROWS.map((r) => r.crmB));
}

describe('two columns, two keys, one run', () => {
  const keys = { a: { keyFile: keyFile('a', A), iv: A.iv.toString('hex') }, b: { keyFile: keyFile('b', B), iv: B.iv.toString('hex'), cipherEncoding: 'base64' } };

  it.each([1, 3])('--decrypt crm_a=a --decrypt crm_b=b with %i worker(s): each column equals its reference decryption', async (workers) => {
    const res = await runCli(['process', '--config', config(keys), '--decrypt', 'crm_a=a', '--decrypt', 'crm_b=b', '--workers', String(workers), '--chunk-size', '4KiB'], { input: INPUT });
    expect(res.stderr).not.toMatch(/"level":(40|50|60)/);
    expect(res.code).toBe(0);
    expectDecrypted(res.stdout);
  });

  it('the CLI key (--aes-key-file, --aes-iv) serves a column without a key name beside a named key', async () => {
    const res = await runCli(['process', '--config', config({ b: keys.b }), '--decrypt', 'crm_a', '--aes-key-file', keyFile('a', A), '--aes-iv', A.iv.toString('hex'), '--decrypt', 'crm_b=b'], { input: INPUT });
    expect(res.code).toBe(0);
    expectDecrypted(res.stdout);
  });

  it('encrypting with a named key gives what node:crypto gives', async () => {
    const plain = `id,crm_b\n${ROWS.map((r) => `${r.id},${r.crmB}`).join('\n')}\n`;
    const res = await runCli(['process', '--config', config({ b: keys.b }), '--encrypt', 'crm_b=b'], { input: plain });
    expect(res.code).toBe(0);
    expect(res.stdout.toString()).toBe(`id,crm_b\n${ROWS.map((r) => `${r.id},${encrypt(B, r.crmB)}`).join('\n')}\n`);
  });
});

describe('a key that cannot serve stops the run before any output (exit 2)', () => {
  it.each([
    [{ default: { keyFile: '/x', iv: '00'.repeat(16) } }, "--config: keys.default: 'default' names the key of --aes-key-file and --aes-iv; give this key another name"],
    [{ b: { keyFile: join(dir, 'missing.hex'), iv: '00'.repeat(16) } }, `--config: keys.b.keyFile: cannot read ${join(dir, 'missing.hex')}: ENOENT`],
    [{ b: { keyFile: '/x', iv: 'abc' } }, '--config: keys.b.iv: the IV must be 16 bytes written as 32 hex digits (got 3 characters)'],
    [{ b: { iv: '00'.repeat(16) } }, '--config: keys.b.keyFile: '],
  ])('%j', async (keys, message) => {
    const res = await runCli(['process', '--config', config(keys), '--decrypt', 'crm_b=b'], { input: INPUT });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stdout.length).toBe(0);
  });

  it('a column of the unnamed key still needs --aes-key-file and --aes-iv, named keys or not', async () => {
    const res = await runCli(['process', '--config', config({ b: { keyFile: keyFile('b', B), iv: B.iv.toString('hex') } }), '--decrypt', 'crm_a', '--decrypt', 'crm_b=b'], { input: INPUT });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--decrypt needs a key: --aes-key-file <path> or AUDIENCE_PIPE_AES_KEY');
  });
});
