/** The plan the workers get: each column's op with its params, the run's keys, how to hash. */
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
