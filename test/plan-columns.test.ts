/** The plan the workers get: each column's op with its params, the run's keys, how to hash. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProcessConfig } from '../src/config/load.js';
import { planColumns, planKeys, sha256Implementation } from '../src/pipeline/plan-columns.js';

const IV = '00112233445566778899aabbccddeeff';

describe('planColumns', () => {
  it('gives each op the params it needs: the key index and encoding to AES, the default country to phones', () => {
    const config = buildProcessConfig(
      { hash: ['email=email_lc_sha256', 'phone=phone_sha256_e164'], encrypt: 'crm_id', decrypt: 'token', aesIv: IV, cipherEncoding: 'base64', defaultCountry: 'gb' },
      {},
      {},
      { aesKey: new Uint8Array(16).fill(1) },
    );
    const header = ['token', 'crm_id', 'email', 'phone'];
    expect(planColumns(config, header)).toEqual([
      { index: 2, name: 'email', op: 'email_lc_sha256', params: {} },
      { index: 3, name: 'phone', op: 'phone_sha256_e164', params: { defaultCountry: 'GB' } },
      { index: 1, name: 'crm_id', op: 'encrypt', params: { key: 0, encoding: 'base64' } },
      { index: 0, name: 'token', op: 'decrypt', params: { key: 0, encoding: 'base64' } },
    ]);
    expect(planKeys(config)).toEqual([{ key: Buffer.alloc(16, 1), iv: Buffer.from(IV, 'hex') }]);
  });

  it('several named keys: each AES column gets the index of its own key, with its encoding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plan-keys-'));
    try {
      writeFileSync(join(dir, 'a.hex'), '00'.repeat(16));
      writeFileSync(join(dir, 'b.hex'), '11'.repeat(32));
      const file = { keys: { crm: { keyFile: join(dir, 'a.hex'), iv: IV }, mail: { keyFile: join(dir, 'b.hex'), iv: 'ff'.repeat(16), cipherEncoding: 'base64' } } };
      const config = buildProcessConfig({ encrypt: ['crm_id=crm'], decrypt: ['email=mail'] }, file, {});
      const keys = planKeys(config);
      const columns = planColumns(config, ['email', 'crm_id']);
      expect(columns).toEqual([
        { index: 1, name: 'crm_id', op: 'encrypt', params: { key: expect.any(Number), encoding: 'hex' } },
        { index: 0, name: 'email', op: 'decrypt', params: { key: expect.any(Number), encoding: 'base64' } },
      ]);
      expect(keys[columns[0].params.key!]).toEqual({ key: Buffer.alloc(16, 0), iv: Buffer.from(IV, 'hex') });
      expect(keys[columns[1].params.key!]).toEqual({ key: Buffer.alloc(32, 0x11), iv: Buffer.alloc(16, 0xff) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists no key when no column is encrypted or decrypted', () => {
    expect(planKeys(buildProcessConfig({ hash: 'email=sha256' }, {}, {}))).toEqual([]);
  });
});

describe('sha256Implementation', () => {
  it('is decided on the main side from AUDIENCE_PIPE_SHA256_BATCH', () => {
    expect(sha256Implementation({ AUDIENCE_PIPE_SHA256_BATCH: 'js' })).toBe('js');
    expect(sha256Implementation({})).toBe('native');
  });
});
