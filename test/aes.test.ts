import { mulberry32 as rng } from '../src/tools/generate/prng.js';
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesCbcBatch } from '../src/transforms/aes-cbc.js';
import { cbcDecryptBlocks, cbcEncryptBlocks, decryptOneReference, encryptOneReference } from '../src/transforms/aes-reference.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// NIST SP 800-38A, Appendix F.2 (CBC-AES128/192/256). The same four plaintext blocks and IV for
// all three; Encrypt (F.2.1/3/5) maps plaintext -> ciphertext, Decrypt (F.2.2/4/6) the reverse.
const NIST_IV = '000102030405060708090a0b0c0d0e0f';
const NIST_PLAINTEXT = `
  6bc1bee22e409f96e93d7e117393172a
  ae2d8a571e03ac9c9eb76fac45af8e51
  30c81c46a35ce411e5fbc1191a0a52ef
  f69f2445df4f9b17ad2b417be66c3710`;
const NIST = [
  {
    name: 'CBC-AES128 (F.2.1 / F.2.2)',
    key: '2b7e151628aed2a6abf7158809cf4f3c',
    ciphertext: `
      7649abac8119b246cee98e9b12e9197d
      5086cb9b507219ee95db113a917678b2
      73bed6b8e3c1743b7116e69e22229516
      3ff1caa1681fac09120eca307586e1a7`,
  },
  {
    name: 'CBC-AES192 (F.2.3 / F.2.4)',
    key: '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
    ciphertext: `
      4f021db243bc633d7178183a9fa071e8
      b4d9ada9ad7dedf4e5e738763f69145a
      571b242012fb7ae07fa9baac3df102e0
      08b0e27988598881d920a9e64f5615cd`,
  },
  {
    name: 'CBC-AES256 (F.2.5 / F.2.6)',
    key: '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
    ciphertext: `
      f58c4c04d6e5f1ba779eabfb5f7bfbd6
      9cfc4e967edb808d679f777bc6702c7d
      39f23369a9d9bacfa530e26304231461
      b2eb05e2c39be9fcda6c19078c6a9d1b`,
  },
];


const CHARS = ['a', 'Z', '7', '@', '.', '-', '_', ' ', 'é', 'ß', '€', '中', '😀', '\u0000'];

/** A UTF-8 string of exactly `bytes` bytes (multi-byte characters included when they fit). */
function randomUtf8(r: () => number, bytes: number): Buffer {
  let s = '';
  let len = 0;
  while (len < bytes) {
    let ch = CHARS[Math.floor(r() * CHARS.length)];
    if (len + Buffer.byteLength(ch) > bytes) ch = 'x';
    s += ch;
    len += Buffer.byteLength(ch);
  }
  return Buffer.from(s, 'utf8');
}

function randomLength(r: () => number): number {
  // Favour exact multiples of 16 (a full padding block) and their neighbours.
  const u = r();
  if (u < 0.2) return 16 * (1 + Math.floor(r() * 6));
  if (u < 0.3) return 16 * (1 + Math.floor(r() * 6)) - 1;
  return 1 + Math.floor(r() * 100);
}

/** Lays the values out in one buffer with random gaps and in shuffled positions. */
function layout(
  values: Buffer[],
  r: () => number,
): { src: Buffer; starts: Int32Array; ends: Int32Array } {
  const n = values.length;
  const placeOrder = values.map((_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [placeOrder[i], placeOrder[j]] = [placeOrder[j], placeOrder[i]];
  }
  const parts: Buffer[] = [];
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let pos = 0;
  for (const i of placeOrder) {
    const gap = Math.floor(r() * 3);
    parts.push(Buffer.alloc(gap, 0xee));
    pos += gap;
    starts[i] = pos;
    parts.push(values[i]);
    pos += values[i].length;
    ends[i] = pos;
  }
  return { src: Buffer.concat(parts), starts, ends };
}

function slot(res: { bytes: Buffer; offsets: Int32Array }, i: number): Buffer {
  return res.bytes.subarray(res.offsets[i], res.offsets[i + 1]);
}

const KEY_SIZES = [16, 24, 32] as const;

describe('raw CBC block step: NIST SP 800-38A F.2', () => {
  for (const v of NIST) {
    it(`${v.name} encrypt`, () => {
      expect(cbcEncryptBlocks(hex(v.key), hex(NIST_IV), hex(NIST_PLAINTEXT)).toString('hex')).toBe(
        hex(v.ciphertext).toString('hex'),
      );
    });
    it(`${v.name} decrypt`, () => {
      expect(cbcDecryptBlocks(hex(v.key), hex(NIST_IV), hex(v.ciphertext)).toString('hex')).toBe(
        hex(NIST_PLAINTEXT).toString('hex'),
      );
    });
  }

  it('rejects input that is not whole blocks', () => {
    expect(() => cbcEncryptBlocks(hex(NIST[0].key), hex(NIST_IV), Buffer.alloc(17))).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});

describe('DOMAIN.md vector (Campaign data source, AES-128-CBC)', () => {
  const key = hex('0123456789ABCDEF0123456789ABCDEF');
  const iv = hex('0123456789ABCDEFFEDCBA9876543210');
  const expected = 'a4e70c52b4ca4a338d6d0ea25986355284f6ea47bb275506e61fa25b4ec4d365';
  const plain = Buffer.from('johndoe@example.com');

  it('reference and batch give the documented ciphertext', () => {
    expect(encryptOneReference(key, iv, plain).toString('hex')).toBe(expected);
    const b = new AesCbcBatch(key, iv);
    const res = b.encrypt(plain, Int32Array.of(0), Int32Array.of(plain.length), 1);
    expect(res.bytes.toString('hex')).toBe(expected);
    expect(Array.from(res.offsets)).toEqual([0, 32]);
  });

  it('batch decrypt gives the plaintext back', () => {
    const b = new AesCbcBatch(key, iv);
    const ct = hex(expected);
    const res = b.decrypt(ct, Int32Array.of(0), Int32Array.of(32), 1);
    expect(res.ok[0]).toBe(1);
    expect(slot(res, 0).toString()).toBe('johndoe@example.com');
  });
});

describe('AesCbcBatch vs createCipheriv per value (differential)', () => {
  for (const keySize of KEY_SIZES) {
    it(`AES-${keySize * 8}: random batches encrypt identically and round-trip`, () => {
      const r = rng(0xc0ffee + keySize);
      const key = randomUtf8(r, keySize); // any bytes will do; these are reproducible
      const iv = randomUtf8(r, 16);
      const batch = new AesCbcBatch(key, iv); // reused across batches: exercises scratch reuse
      expect(batch.keyBits).toBe(keySize * 8);
      for (let round = 0; round < 40; round++) {
        const n = Math.floor(r() * 300);
        const values = Array.from({ length: n }, () => randomLength(r)).map((len) =>
          randomUtf8(r, len),
        );
        if (round % 10 === 3 && n > 0) values[0] = randomUtf8(r, 1000 + Math.floor(r() * 3000)); // tail path
        const { src, starts, ends } = layout(values, r);
        const enc = batch.encrypt(src, starts, ends, n);
        expect(enc.offsets.length).toBe(n + 1);
        for (let i = 0; i < n; i++) {
          const ref = createCipheriv(`aes-${keySize * 8}-cbc`, key, iv);
          const expected = Buffer.concat([ref.update(values[i]), ref.final()]);
          expect(slot(enc, i).equals(expected), `value ${i} (${values[i].length} B)`).toBe(true);
        }
        // decrypt straight from the contiguous result, and from a scattered layout
        const dec = batch.decrypt(enc.bytes, enc.offsets.subarray(0, n), enc.offsets.subarray(1), n);
        for (let i = 0; i < n; i++) {
          expect(dec.ok[i]).toBe(1);
          expect(slot(dec, i).equals(values[i])).toBe(true);
        }
        const scattered = layout(
          Array.from({ length: n }, (_, i) => Buffer.from(slot(enc, i))),
          r,
        );
        const dec2 = batch.decrypt(scattered.src, scattered.starts, scattered.ends, n);
        for (let i = 0; i < n; i++) expect(slot(dec2, i).equals(values[i])).toBe(true);
      }
    });
  }

  it('a few long values next to many short ones (tail path) and identical values', () => {
    const key = hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
    const iv = hex(NIST_IV);
    const b = new AesCbcBatch(key, iv);
    const r = rng(7);
    const values = [
      randomUtf8(r, 100_000),
      ...Array.from({ length: 50 }, () => Buffer.from('john.doe@example.com')),
      randomUtf8(r, 5_000),
      randomUtf8(r, 160),
    ];
    const { src, starts, ends } = layout(values, r);
    const enc = b.encrypt(src, starts, ends, values.length);
    values.forEach((v, i) => expect(slot(enc, i).equals(encryptOneReference(key, iv, v))).toBe(true));
    const dec = b.decrypt(enc.bytes, enc.offsets.subarray(0, -1), enc.offsets.subarray(1), values.length);
    values.forEach((v, i) => expect(slot(dec, i).equals(v)).toBe(true));
  });

  it('count 0, empty values and count smaller than the arrays', () => {
    const b = new AesCbcBatch(Buffer.alloc(16, 1), Buffer.alloc(16, 2));
    const none = b.encrypt(Buffer.alloc(0), new Int32Array(0), new Int32Array(0), 0);
    expect(none.bytes.length).toBe(0);
    expect(Array.from(none.offsets)).toEqual([0]);
    const noneDec = b.decrypt(Buffer.alloc(0), new Int32Array(0), new Int32Array(0), 0);
    expect(noneDec.bytes.length).toBe(0);
    expect(noneDec.ok.length).toBe(0);

    const src = Buffer.from('abcdef');
    // value 1 is empty: empty stays empty; the 4th entry of the arrays is ignored (count 3)
    const enc = b.encrypt(src, Int32Array.of(0, 3, 3, 99), Int32Array.of(3, 3, 6, 99), 3);
    expect(Array.from(enc.offsets)).toEqual([0, 16, 16, 32]);
    expect(slot(enc, 0).equals(encryptOneReference(Buffer.alloc(16, 1), Buffer.alloc(16, 2), Buffer.from('abc')))).toBe(true);
    const allEmpty = b.encrypt(src, Int32Array.of(1, 2), Int32Array.of(1, 2), 2);
    expect(Array.from(allEmpty.offsets)).toEqual([0, 0, 0]);
  });

  it('rejects bad ranges and counts with RangeError', () => {
    const b = new AesCbcBatch(Buffer.alloc(16), Buffer.alloc(16));
    const src = Buffer.alloc(10);
    expect(() => b.encrypt(src, Int32Array.of(0), Int32Array.of(11), 1)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    expect(() => b.encrypt(src, Int32Array.of(5), Int32Array.of(4), 1)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    expect(() => b.decrypt(src, Int32Array.of(-1), Int32Array.of(4), 1)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    expect(() => b.encrypt(src, Int32Array.of(0), Int32Array.of(1), 2)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});

describe('AesCbcBatch.decrypt on corrupted input', () => {
  const key = hex('8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b');
  const iv = hex(NIST_IV);
  const b = new AesCbcBatch(key, iv);
  const good = encryptOneReference(key, iv, Buffer.from('crm-000123-abcdefghijklmnop')); // 27 B -> 32 B

  /** Raw CBC of chosen final plaintext blocks: lets us forge exact (bad) paddings. */
  const forge = (plain: string): Buffer => cbcEncryptBlocks(key, iv, hex(plain));

  it('bad lengths, bad paddings and truncations give ok=0 and empty slots, neighbours intact', () => {
    const cases: Buffer[] = [
      good, // 0: fine
      Buffer.alloc(0), // 1: empty
      good.subarray(0, 31), // 2: truncated by one byte
      good.subarray(0, 17), // 3: not a multiple of 16
      Buffer.concat([good, Buffer.alloc(1)]), // 4: one extra byte
      forge('00112233445566778899aabbccddee00'), // 5: pad byte 0
      forge('00112233445566778899aabbccddee11'), // 6: pad byte 17
      forge('00112233445566778899aabbccdd0303'), // 7: pad 3 but only two 03 bytes
      forge('10101010101010101010101010101011'), // 8: pad 0x11
      forge('20101010101010101010101010101010'), // 9: pad 16 but first byte differs
      good.subarray(0, 16), // 10: truncated by a whole block: 'crm-000123-abcde' ends in 'e' (0x65)
      forge('00112233445566778899aabbccdd0202'), // 11: valid pad 2
      forge('10101010101010101010101010101010'), // 12: valid full padding block -> empty plaintext
      good, // 13: fine again
    ];
    const { src, starts, ends } = layout(cases, rng(3));
    const res = b.decrypt(src, starts, ends, cases.length);
    expect(Array.from(res.ok)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    for (let i = 0; i < cases.length; i++) {
      if (!res.ok[i]) expect(res.offsets[i + 1] - res.offsets[i]).toBe(0);
    }
    expect(slot(res, 0).toString()).toBe('crm-000123-abcdefghijklmnop');
    expect(slot(res, 11).toString('hex')).toBe('00112233445566778899aabbccdd');
    expect(slot(res, 12).length).toBe(0);
    expect(slot(res, 13).toString()).toBe('crm-000123-abcdefghijklmnop');
    // the reference agrees on every case
    cases.forEach((c, i) => {
      const ref = decryptOneReference(key, iv, c);
      expect(ref === null ? 0 : 1, `case ${i}`).toBe(res.ok[i]);
      if (ref) expect(slot(res, i).equals(ref)).toBe(true);
    });
  });

  it('random corruption agrees with OpenSSL per value and never throws', () => {
    const r = rng(99);
    for (let round = 0; round < 30; round++) {
      const n = 1 + Math.floor(r() * 200);
      const cts: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        const ct = Buffer.from(encryptOneReference(key, iv, randomUtf8(r, randomLength(r))));
        const u = r();
        if (u < 0.3) ct[Math.floor(r() * ct.length)] ^= 1 + Math.floor(r() * 255); // flip bits
        else if (u < 0.4) cts.push(ct.subarray(0, Math.floor(r() * ct.length)));
        else if (u < 0.5) cts.push(Buffer.concat([ct, randomUtf8(r, 1 + Math.floor(r() * 20))]));
        if (cts.length === i) cts.push(ct);
      }
      const { src, starts, ends } = layout(cts, r);
      const res = b.decrypt(src, starts, ends, n);
      for (let i = 0; i < n; i++) {
        const ref = decryptOneReference(key, iv, cts[i]);
        expect(res.ok[i]).toBe(ref === null ? 0 : 1);
        expect(slot(res, i).equals(ref ?? Buffer.alloc(0))).toBe(true);
      }
    }
  });

  it('a wrong key mostly fails the padding check, without throwing', () => {
    const other = new AesCbcBatch(hex('000102030405060708090a0b0c0d0e0f1011121314151617'), iv);
    const cts = Array.from({ length: 200 }, (_, i) => encryptOneReference(key, iv, Buffer.from(`id-${i}`)));
    const { src, starts, ends } = layout(cts, rng(5));
    const res = other.decrypt(src, starts, ends, cts.length);
    const passed = res.ok.reduce((a, x) => a + x, 0);
    expect(passed).toBeLessThan(20); // ~1/256 of random last bytes are a valid 0x01 pad
  });
});

describe('key and IV validation', () => {
  const secret = Buffer.from('S3cr3tKeyMaterial!'); // 18 bytes: invalid
  const forms = [secret.toString('hex'), secret.toString('base64'), secret.toString('latin1')];
  const iv = Buffer.alloc(16);

  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      expect(e).toMatchObject({ code: 'ERR_INTERNAL' });
      return String((e as Error).message) + String((e as Error).stack);
    }
    throw new Error('did not throw');
  };

  it('rejects a key of the wrong size without revealing it', () => {
    for (const fn of [
      () => new AesCbcBatch(secret, iv),
      () => cbcEncryptBlocks(secret, iv, Buffer.alloc(16)),
      () => cbcDecryptBlocks(secret, iv, Buffer.alloc(16)),
      () => encryptOneReference(secret, iv, Buffer.from('x')),
      () => decryptOneReference(secret, iv, Buffer.alloc(16)),
    ]) {
      const msg = messageOf(fn);
      expect(msg).toContain('18 bytes');
      for (const f of forms) expect(msg).not.toContain(f);
      expect(msg.toLowerCase()).not.toContain('s3cr3t');
    }
    for (const size of [0, 1, 15, 17, 31, 33, 64]) {
      expect(() => new AesCbcBatch(Buffer.alloc(size), iv)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    }
  });

  it('rejects an IV that is not 16 bytes', () => {
    for (const size of [0, 8, 15, 17, 32]) {
      expect(() => new AesCbcBatch(Buffer.alloc(16), Buffer.alloc(size))).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    }
  });

  it('copies the key and IV: later changes by the caller have no effect', () => {
    const key = Buffer.alloc(16, 7);
    const ivm = Buffer.alloc(16, 9);
    const b = new AesCbcBatch(key, ivm);
    const expected = encryptOneReference(key, ivm, Buffer.from('x'));
    key.fill(0);
    ivm.fill(0);
    const src = Buffer.from('x');
    expect(b.encrypt(src, Int32Array.of(0), Int32Array.of(1), 1).bytes.equals(expected)).toBe(true);
  });
});
