/** A built configuration cannot be changed at any depth, and its secrets stay hidden. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const { buildProcessConfig } = await import(`${ROOT}/dist/config/load.js`);
const { dir, cleanup } = tempDir('ap-config-freeze-');
afterAll(cleanup);

const IV = '00112233445566778899aabbccddeeff';
const IV2 = 'ffeeddccbbaa99887766554433221100';
const crmKey = join(dir, 'crm.hex');
writeFileSync(crmKey, 'ab'.repeat(16));

const build = () =>
  buildProcessConfig(
    { hash: ['email=sha256', 'phone=phone_sha256'], encrypt: 'crm_id', decrypt: 'other=crm', aesIv: IV, defaultCountry: 'US' },
    { accounts: { crm: { host: 'h', username: 'u' } }, keys: { crm: { keyFile: crmKey, iv: IV2 } } },
    {},
    { aesKey: new Uint8Array(32).fill(7) },
  );

/** Every way of changing `target[key]`; each must throw or leave the value as it was. */
const snapshot = (v: unknown): string => (ArrayBuffer.isView(v) ? `bytes ${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}` : inspect(v, { depth: 20, showHidden: true, customInspect: false }));

function mustNotChange(target: Record<PropertyKey, unknown>, key: PropertyKey, label: string): void {
  const before = snapshot(target[key]);
  const attempts: Array<() => void> = [
    () => (target[key] = 'changed'),
    () => delete target[key],
    () => Object.defineProperty(target, key, { value: 'changed' }),
  ];
  for (const attempt of attempts) {
    try {
      attempt();
    } catch {
      // Refused: what strict mode does for a frozen object.
    }
    expect(snapshot(target[key]), label).toBe(before);
  }
}

/** Walks the whole tree (accessors too), trying to change every property and every byte. */
function walk(value: unknown, path: string, seen = new Set<unknown>()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  let checked = 0;
  if (ArrayBuffer.isView(value)) {
    const bytes = value as Uint8Array;
    const copy = Buffer.from(bytes);
    bytes.fill(0xee);
    return copy.length > 0 ? 1 : 0;
  }
  const obj = value as Record<PropertyKey, unknown>;
  if (Array.isArray(obj)) {
    expect(() => obj.push('x'), `${path}.push`).toThrow(TypeError);
    expect(() => obj.pop(), `${path}.pop`).toThrow(TypeError);
  } else {
    expect(() => (obj.added = 1), `${path}.added`).toThrow(TypeError);
  }
  for (const key of Reflect.ownKeys(obj)) {
    const label = `${path}.${String(key)}`;
    checked += walk(obj[key], label, seen) + 1;
    mustNotChange(obj, key, label);
  }
  return checked;
}

describe('the built configuration is deep-frozen', () => {
  it('refuses or ignores a change anywhere: arrays, nested objects, accounts, keys, secrets and their bytes', () => {
    const config = build();
    const before = { key: config.secrets.aesKey, crm: config.secrets.keys.crm.key, crmIv: config.secrets.keys.crm.iv, defaultKey: config.secrets.keys.default.key };
    for (const bytes of Object.values(before)) bytes!.fill(0xee);
    const checked = walk(config, 'config');
    expect(checked).toBeGreaterThan(40);
    // The bytes handed out were overwritten by walk(); the configuration still has its own.
    expect(config.secrets.aesKey).toEqual(Buffer.alloc(32, 7));
    expect(config.secrets.keys.default).toBeDefined();
    expect(config.secrets.keys.default.key).toEqual(Buffer.alloc(32, 7));
    expect(config.secrets.keys.default.iv).toEqual(Buffer.from(IV, 'hex'));
    expect(config.secrets.keys.crm.key).toEqual(Buffer.alloc(16, 0xab));
    expect(config.secrets.keys.crm.iv).toEqual(Buffer.from(IV2, 'hex'));
    // The walk reached the nested parts the run reads.
    expect(config.ops.map((o: { column: string }) => o.column)).toEqual(['email', 'phone', 'crm_id', 'other']);
    expect(config.ops[1].params).toEqual({ defaultCountry: 'US' });
    expect(config.ops[3].params).toEqual({ key: 'crm', encoding: 'hex' });
    expect(config.transport.accounts.crm.host).toBe('h');
  });

  it('keeps the secrets out of JSON and util.inspect, key names only', () => {
    const config = build();
    const shown = [JSON.stringify(config), inspect(config, { depth: 20 }), JSON.stringify(config.secrets.keys), inspect(config.secrets.keys, { depth: 20 }), JSON.stringify(config.secrets.keys.crm), inspect(config.secrets.keys.crm)];
    for (const text of shown) {
      expect(text).not.toMatch(/070707|abab|\b7, 7, 7|171, 171/);
      expect(text).not.toContain('ffeeddcc');
    }
    expect(JSON.parse(JSON.stringify(config.secrets))).toEqual(['aesKey: [set]', 'keys: [default, crm]']);
    expect(Object.keys(config.secrets.keys)).toEqual(['default', 'crm']);
  });
});
