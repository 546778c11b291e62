/**
 * The encrypt op's `normalize` param (export-audience's AES channels), in the engine's core:
 * 'email' encrypts the trimmed address lowercased and rejects an invalid one (invalid_email);
 * 'phone' encrypts the number in E.164 with its '+' and rejects what is no number (invalid_phone);
 * absent, the trimmed value as it is, as before. ASCII, quoted and non-ASCII values, chunks of
 * every size; expected ciphertexts from node:crypto.
 */
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runEngine } from './helpers/engine.js';

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f1011121314151617', 'hex');
const IV = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
const enc = (plain: string, encoding: 'hex' | 'base64' = 'hex') => {
  const c = createCipheriv('aes-192-cbc', KEY, IV);
  return Buffer.concat([c.update(plain, 'utf8'), c.final()]).toString(encoding);
};

const VALUES = [' JohnDoe@Example.COM ', '"Zoë.Ü@Exämple.com"', 'no-at-sign', '', 'a b@c.d', '"ANN@EXAMPLE.COM"', '+1 415 555 2671', '0033 6 12 34 56 78', '(415) 555-2671', '12'];
const input = Buffer.from(`id,v\n${VALUES.map((v, i) => `${i},${v}`).join('\n')}\n`);

async function encrypted(normalize: 'email' | 'phone' | undefined, encoding: 'hex' | 'base64', chunkSize: number, defaultCountry?: string) {
  const run = await runEngine(input, {
    chunkSize,
    readSize: 7,
    init: { aesKey: KEY, aesIv: IV },
    columns: () => [{ index: 1, name: 'v', op: 'encrypt', params: { key: 0, encoding, ...(normalize ? { normalize } : {}), ...(defaultCountry ? { defaultCountry } : {}) } }],
  });
  const rows = run.output.toString().trimEnd().split('\n').slice(1).map((l) => l.split(','));
  return { rows: Object.fromEntries(rows.map(([id, v]) => [id, v])), rejects: run.rejects.map((r) => `${r.line}:${r.reason}`) };
}

describe('encrypt with normalize', () => {
  for (const chunkSize of [16, 64, 1 << 16]) {
    it(`email (hex), chunks of ${chunkSize} bytes`, async () => {
      const { rows, rejects } = await encrypted('email', 'hex', chunkSize);
      expect(rows).toEqual({ 0: enc('johndoe@example.com'), 1: enc('zoë.ü@exämple.com'), 3: '', 5: enc('ann@example.com') });
      expect(rejects).toEqual(['4:invalid_email', '6:invalid_email', '8:invalid_email', '9:invalid_email', '10:invalid_email', '11:invalid_email']);
    });

    it(`phone (base64), chunks of ${chunkSize} bytes`, async () => {
      const { rows, rejects } = await encrypted('phone', 'base64', chunkSize);
      expect(rows).toEqual({ 3: '', 6: enc('+14155552671', 'base64'), 7: enc('+33612345678', 'base64') });
      // '(415) 555-2671' has no country code and no default country.
      expect(rejects).toEqual(['2:invalid_phone', '3:invalid_phone', '4:invalid_phone', '6:invalid_phone', '7:invalid_phone', '10:invalid_phone', '11:invalid_phone']);
      const us = await encrypted('phone', 'hex', chunkSize, 'US');
      expect(us.rows[8]).toBe(enc('+14155552671'));
      expect(us.rows[6]).toBe(enc('+14155552671'));
      expect(us.rejects).not.toContain('10:invalid_phone');
    });
  }

  it('absent: the trimmed value as it is (the behaviour before the param)', async () => {
    const { rows, rejects } = await encrypted(undefined, 'hex', 1 << 16);
    expect(rejects).toEqual([]);
    VALUES.forEach((v, i) => {
      const text = v.startsWith('"') ? v.slice(1, -1) : v.trim();
      expect(rows[i]).toBe(text === '' ? '' : enc(text));
    });
  });
});

