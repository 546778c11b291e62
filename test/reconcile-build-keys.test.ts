/**
 * The index build's worker side on its fast paths, against the simple ones: KeyForms.writeAsciiInto
 * against KeyForms.write, lowerEmailBits against the e-mail rule written byte by byte, and
 * ProfileExtractor's statuses, digests and kept fields against each value read on its own
 * (KeyForms.write, then node:crypto) over generated tables of quoted, padded, empty, non-ASCII,
 * invalid UTF-8, already hashed and phone values, in chunks small and large enough to grow the
 * extractor's arrays.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIGEST_BYTES, FIELD_LONG, FINGERPRINT_WORDS, FORM_EMAIL, FORM_EXACT, FORM_LOWER, FORM_PHONE, FORM_PHONE_PLUS, FORM_PLAIN, HELD_FINGERPRINT, HELD_FULL, KEYS_DIGEST, KEYS_TEXT } from '../src/protocol/profile-index.js';
import { Bytes, isAsciiSpace } from '../src/transforms/byte-buffers.js';
import { EMAIL_NOT_ASCII, EMAIL_VALID, lowerEmailBits, lowerEmailInto } from '../src/transforms/identity.js';
import { ProfileExtractor, type ChunkExtract, type ExtractPlan } from '../src/worker/lookup-build.js';
import { ASCII_ROOM, KEY_EMPTY, KEY_INVALID, KEY_INVALID_AT, KEY_OK, KeyForms, UNDECIDED } from '../src/worker/lookup-key.js';
import { prng } from './helpers/profiles.js';

/** Pieces of values: ASCII of every kind the rules look at, UTF-8 (spaces among it), invalid UTF-8. */
const PIECES: readonly (string | Buffer)[] = [
  'a', 'Z', 'q', 'M', 'x', '0', '7', 'f', 'E', '.', '_', '-', '+', '@', '@', ' ', '\t', '\r', '\x0b', '\x01', '\x7f', '"', ',', '(', ')',
  'é', 'Ü', 'İ', '\u00a0', '\u3000', '\u2028', '\ufeff', '漢', '😀',
  Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x80]), Buffer.from([0x80]),
];

function randomValue(r: () => number): Buffer {
  const x = r();
  if (x < 0.05) return Buffer.alloc(0);
  if (x < 0.1) return Buffer.from('  \t ');
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdefABCDEF'[Math.floor(r() * 22)]).join('');
  if (x < 0.15) return Buffer.from(`${r() < 0.5 ? ' ' : ''}${hex(64)}${r() < 0.5 ? '  ' : ''}`);
  if (x < 0.2) return Buffer.from(hex(1 + Math.floor(r() * 20)));
  if (x < 0.3) return Buffer.from(`${r() < 0.3 ? ' ' : ''}Name.${Math.floor(r() * 1e4)}@Example.COM${r() < 0.3 ? ' ' : ''}`);
  if (x < 0.4) return Buffer.from(['+1 415 555 0134', '+44 20 7946 0958', '0033 6 12 34 56 78', '(415) 555-0134', '+1 (907) 934-0885', '+49 30 123456', ' +33 6 12 34 56 78 ', '+1 415 555 0134 x12', '+٤٤ 20 7946 0958', 'call me'][Math.floor(r() * 10)]);
  // Up to 70 pieces: past 64 bytes the copies take another path.
  const n = 1 + Math.floor(r() * (r() < 0.9 ? 24 : 70));
  return Buffer.concat(Array.from({ length: n }, () => {
    const p = PIECES[Math.floor(r() * PIECES.length)];
    return typeof p === 'string' ? Buffer.from(p) : p;
  }));
}

/** lowerEmailInto as it was written first: a branch on each byte's kind. */
function referenceEmail(src: Uint8Array, dst: Uint8Array): { valid: boolean; notAscii: boolean } {
  let atSign = -1;
  let valid = true;
  let notAscii = false;
  const text = Buffer.from(src);
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    dst[i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    if (c === 0x40) {
      if (atSign !== -1) valid = false;
      atSign = i;
    } else if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
      valid = false;
    } else if (c >= 0x80) {
      notAscii = true;
      // A UTF-8 sequence of one of \s's code points starting here.
      for (const sp of ['\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff']) {
        const b = Buffer.from(sp);
        if (text.subarray(i, i + b.length).equals(b)) valid = false;
      }
    }
  }
  return { valid: valid && atSign > 0 && atSign < src.length - 1, notAscii };
}

describe('lowerEmailBits', () => {
  it('copies, lowercases and judges every value as the byte-by-byte rule does, and says which have a byte >= 0x80', () => {
    const r = prng(11);
    for (let k = 0; k < 20_000; k++) {
      const v = randomValue(r);
      const want = Buffer.alloc(v.length);
      const { valid, notAscii } = referenceEmail(v, want);
      const got = Buffer.alloc(v.length + 3, 0xaa);
      const bits = lowerEmailBits(v, 0, v.length, got, 3);
      expect({ v: v.toString('hex'), valid: (bits & EMAIL_VALID) !== 0, notAscii: (bits & EMAIL_NOT_ASCII) !== 0 }).toEqual({ v: v.toString('hex'), valid, notAscii });
      expect(got.subarray(3).equals(want)).toBe(true);
      expect(lowerEmailInto(v, 0, v.length, got, 0)).toBe(valid);
    }
  });
});

describe('KeyForms.writeAsciiInto', () => {
  for (const defaultCountry of [undefined, 'FR']) {
    it(`writes what write writes for every trimmed, non-empty ASCII value it decides (default country ${defaultCountry ?? 'none'}), and leaves only phones and values with a byte >= 0x80 to it`, () => {
      const forms = new KeyForms(defaultCountry);
      const r = prng(12);
      let direct = 0;
      for (let k = 0; k < 20_000; k++) {
        const raw = randomValue(r);
        let s = 0;
        let e = raw.length;
        while (s < e && isAsciiSpace(raw[s])) s++;
        while (e > s && isAsciiSpace(raw[e - 1])) e--;
        if (s === e) continue;
        for (const form of [FORM_EXACT, FORM_LOWER, FORM_PLAIN, FORM_EMAIL, FORM_PHONE, FORM_PHONE_PLUS]) {
          const out = new Bytes(16);
          const status = forms.write(form, raw, s, e, out);
          const dst = Buffer.alloc(e - s + ASCII_ROOM + 2, 0xaa);
          const n = forms.writeAsciiInto(form, raw, s, e, dst, 2);
          const label = `${form} ${raw.toString('hex')}`;
          const phone = form === FORM_PHONE || form === FORM_PHONE_PLUS;
          if (n === UNDECIDED) {
            if (!phone) expect(raw.subarray(s, e).some((c) => c >= 0x80), label).toBe(true);
            continue;
          }
          expect(raw.subarray(s, e).every((c) => c < 0x80), label).toBe(true);
          direct++;
          if (n === KEY_INVALID_AT) {
            expect(status, label).toBe(KEY_INVALID);
            continue;
          }
          expect(status, label).toBe(KEY_OK);
          expect(dst.subarray(2, 2 + n).toString('latin1'), label).toBe(out.bytes.subarray(0, out.used).toString('latin1'));
          expect(n, label).toBeLessThanOrEqual(e - s + ASCII_ROOM);
        }
      }
      expect(direct).toBeGreaterThan(10_000);
    });
  }
});

/** A CSV field holding `v`: quoted when it must be, and now and then when it need not. */
function csvField(v: Buffer, r: () => number): Buffer {
  const must = v.some((c) => c === 0x2c || c === 0x22 || c === 0x0a || c === 0x0d);
  if (!must && r() > 0.1) return v;
  const parts: Buffer[] = [Buffer.from('"')];
  for (const c of v) parts.push(c === 0x22 ? Buffer.from('""') : Buffer.from([c]));
  parts.push(Buffer.from('"'));
  return Buffer.concat(parts);
}

const SOURCES: ExtractPlan['sources'] = [
  { column: 1, keys: KEYS_DIGEST, form: FORM_EXACT, hexIsDigest: false, hashed: true, held: HELD_FINGERPRINT },
  { column: 2, keys: KEYS_DIGEST, form: FORM_EMAIL, hexIsDigest: true, hashed: true, held: HELD_FINGERPRINT },
  { column: 2, keys: KEYS_DIGEST, form: FORM_EMAIL, hexIsDigest: false, hashed: true, held: HELD_FULL },
  { column: 3, keys: KEYS_DIGEST, form: FORM_PHONE, hexIsDigest: true, hashed: true, held: HELD_FINGERPRINT },
  { column: 3, keys: KEYS_DIGEST, form: FORM_PHONE_PLUS, hexIsDigest: true, hashed: true, held: HELD_FULL },
  { column: 4, keys: KEYS_TEXT, form: FORM_LOWER, hexIsDigest: false, hashed: true, held: HELD_FINGERPRINT },
  { column: 4, keys: KEYS_TEXT, form: FORM_PLAIN, hexIsDigest: false, hashed: false, held: HELD_FULL },
];
const KEPT = [0, 4, 5];

/** What each source's key and each profile's kept fields are, value by value through the general path. */
function expected(rows: Buffer[][], defaultCountry: string | undefined) {
  const forms = new KeyForms(defaultCountry);
  const sources = SOURCES.map((src) => {
    const status: number[] = [];
    const keys: Buffer[] = [];
    for (const row of rows) {
      const v = row[src.column];
      let s = 0;
      let e = v.length;
      while (s < e && isAsciiSpace(v[s])) s++;
      while (e > s && isAsciiSpace(v[e - 1])) e--;
      let key: Buffer | undefined;
      let st: number;
      if (src.hexIsDigest && /^[0-9a-fA-F]{64}$/.test(v.subarray(s, e).toString('latin1'))) {
        st = KEY_OK;
        key = Buffer.from(v.subarray(s, e).toString('latin1'), 'hex');
      } else {
        const out = new Bytes(8);
        st = forms.write(src.form, v, 0, v.length, out);
        if (st === KEY_OK) key = src.hashed ? createHash('sha256').update(out.bytes.subarray(0, out.used)).digest() : Buffer.from(out.bytes.subarray(0, out.used));
      }
      status.push(st);
      if (key !== undefined) keys.push(src.hashed && src.held === HELD_FINGERPRINT ? key.subarray(0, 4 * FINGERPRINT_WORDS) : key);
    }
    return { status, keys };
  });
  const fields = rows.map((row) => Buffer.concat(KEPT.map((c) => {
    const v = row[c];
    const head = row.quotedLength[c] >= FIELD_LONG ? Buffer.from([FIELD_LONG, 0, 0, 0, 0]) : Buffer.from([v.length]);
    if (head.length === 5) head.writeUInt32LE(v.length, 1);
    return Buffer.concat([head, v]);
  })));
  return { sources, fields };
}

type Row = Buffer[] & { quotedLength: number[] };

function table(seed: number, n: number): { rows: Row[]; records: Buffer[] } {
  const r = prng(seed);
  const rows: Row[] = [];
  const records: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const row = [Buffer.from(`id${i}`), randomValue(r), randomValue(r), randomValue(r), randomValue(r), r() < 0.01 ? Buffer.alloc(300 + Math.floor(r() * 300), 0x61) : randomValue(r)] as Row;
    const quoted = row.map((v) => csvField(v, r));
    row.quotedLength = quoted.map((q) => q.length);
    rows.push(row);
    records.push(Buffer.concat([Buffer.concat(quoted.flatMap((q, k) => (k === 0 ? [q] : [Buffer.from(','), q]))), Buffer.from(r() < 0.1 ? '\r\n' : '\n')]));
  }
  return { rows, records };
}

/** The extractor over the records cut into chunks of `sizes` records (the last size repeats). */
function extractAll(records: Buffer[], sizes: number[], defaultCountry: string | undefined) {
  const x = new ProfileExtractor({ lineEnd: 0x0a, fieldCount: 6, keptColumns: KEPT, sources: SOURCES, defaultCountry, maxRecordBytes: 1 << 20 });
  const status = SOURCES.map(() => [] as number[]);
  const keys = SOURCES.map(() => [] as Buffer[]);
  const fields: Buffer[] = [];
  let spare: ArrayBuffer | undefined;
  for (let at = 0, c = 0; at < records.length; c++) {
    const take = sizes[Math.min(c, sizes.length - 1)];
    const chunk = Buffer.concat(records.slice(at, at + take));
    at += take;
    const buf = Buffer.from(new ArrayBuffer(chunk.length));
    chunk.copy(buf);
    const res: ChunkExtract = x.extract(buf, buf.length, spare);
    expect(res.flaws.length).toBe(0);
    for (let p = 0; p < res.profiles; p++) fields.push(Buffer.from(res.fieldBytes.subarray(p === 0 ? 0 : res.fieldEnds[p - 1], res.fieldEnds[p])));
    res.sources.forEach((so, s) => {
      const src = SOURCES[s];
      const width = !src.hashed ? 0 : src.held === HELD_FINGERPRINT ? 4 * FINGERPRINT_WORDS : DIGEST_BYTES;
      let k = 0;
      for (let p = 0; p < res.profiles; p++) {
        status[s].push(so.status[p]);
        if (so.status[p] !== KEY_OK) continue;
        if (width > 0) keys[s].push(Buffer.from(so.keyBytes.subarray(k * width, (k + 1) * width)));
        else keys[s].push(Buffer.from(so.keyBytes.subarray(k === 0 ? 0 : so.keyEnds[k - 1], so.keyEnds[k])));
        k++;
      }
    });
    // Every other result's buffer is given back, as the main thread does.
    spare = c % 2 === 0 ? res.result : undefined;
  }
  return { status, keys, fields };
}

describe('ProfileExtractor against each value read on its own', () => {
  for (const [seed, defaultCountry] of [[21, undefined], [22, 'FR']] as const) {
    it(`seed ${seed}, default country ${defaultCountry ?? 'none'}: the same statuses, digests, fingerprints, text keys and kept fields, in chunks of 1 to 17,000 records`, () => {
      const { rows, records } = table(seed, 24_000);
      const want = expected(rows, defaultCountry);
      // 17,000 records in one chunk: the extractor's arrays grow within it (from room for 16,384 profiles).
      for (const sizes of [[17_000, 7], [1, 2, 3, 700], [16_384, 16_385]]) {
        const got = extractAll(records, sizes, defaultCountry);
        SOURCES.forEach((_, s) => {
          expect(got.status[s]).toEqual(want.sources[s].status);
          expect(got.keys[s].length).toBe(want.sources[s].keys.length);
          got.keys[s].forEach((k, i) => {
            if (!k.equals(want.sources[s].keys[i])) expect({ s, i, key: k.toString('hex') }).toEqual({ s, i, key: want.sources[s].keys[i].toString('hex') });
          });
        });
        expect(got.fields.length).toBe(rows.length);
        got.fields.forEach((f, i) => {
          if (!f.equals(want.fields[i])) expect({ i, f: f.toString('hex') }).toEqual({ i, f: want.fields[i].toString('hex') });
        });
      }
      // The tables have every kind of key.
      const kinds = (s: number): number[] => [KEY_OK, KEY_EMPTY, KEY_INVALID].map((k) => want.sources[s].status.filter((x) => x === k).length);
      for (const s of [1, 3, 5]) expect(Math.min(...kinds(s)), `source ${s}: ${kinds(s)}`).toBeGreaterThan(200);
      expect(rows.filter((row) => /^\s*[0-9a-fA-F]{64}\s*$/.test(row[2].toString('latin1'))).length).toBeGreaterThan(500);
    });
  }
});
