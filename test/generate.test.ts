import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import {
  AUDIENCE_MIX,
  generateAudience,
  generateAudienceStream,
  type GenerateOptions,
} from '../src/tools/generate/audience.js';
import { Prng } from '../src/tools/generate/prng.js';

const HEADER = 'crm_id,email,phone,first_name,country,segment';

function bytesOf(opts: GenerateOptions): Buffer {
  return Buffer.concat([...generateAudience(opts)]);
}

interface Rec {
  crm_id: string;
  email: string;
  phone: string;
  first_name: string;
  country: string;
  segment: string;
}

const HEX64 = /^[0-9a-f]{64}$/i;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NON_ASCII = /[^\x00-\x7f]/;

describe('prng', () => {
  it('is deterministic per seed and stays in range', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 1000 }, () => a.u32());
    expect(Array.from({ length: 1000 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c.u32())).not.toEqual(xs);
    for (const x of xs) expect(x >>> 0).toBe(x);
    const r = new Prng(7);
    const hist = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      hist[r.int(10)]++;
    }
    for (const h of hist) expect(Math.abs(h - 10_000)).toBeLessThan(500);
    // High bits of large seeds matter.
    expect(new Prng(1).u32()).not.toBe(new Prng(2 ** 32 + 1).u32());
  });
});

describe('generateAudience', () => {
  it('same (rows, seed) gives identical bytes; different seeds differ', () => {
    const a = bytesOf({ rows: 5000, seed: 9 });
    const b = bytesOf({ rows: 5000, seed: 9 });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(bytesOf({ rows: 5000, seed: 10 }))).toBe(false);
    expect(bytesOf({ rows: 300 }).equals(bytesOf({ rows: 300, seed: 1 }))).toBe(true);
    // A shorter run is a prefix of a longer one with the same seed.
    expect(a.subarray(0, bytesOf({ rows: 1000, seed: 9 }).length).equals(bytesOf({ rows: 1000, seed: 9 }))).toBe(true);
  });

  it('rows = 0 gives the header only', () => {
    const chunks = [...generateAudience({ rows: 0 })];
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.toString('utf8')).toBe(HEADER + '\n');
  });

  it('rejects bad options at call time', () => {
    expect(() => generateAudience({ rows: -1 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
    expect(() => generateAudience({ rows: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
    expect(() => generateAudience({ rows: 10, seed: Number.NaN })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
  });

  it('yields whole-row chunks of about 1 MiB, and the stream gives the same bytes', async () => {
    const opts = { rows: 40_000, seed: 5 };
    const chunks = [...generateAudience(opts)];
    expect(chunks.length).toBeGreaterThan(1);
    for (const [i, c] of chunks.entries()) {
      expect(c[c.length - 1]).toBe(0x0a);
      if (i < chunks.length - 1) {
        expect(c.length).toBeGreaterThanOrEqual(1 << 20);
        expect(c.length).toBeLessThan((1 << 20) + (64 << 10));
      }
    }
    const streamed: Buffer[] = [];
    for await (const c of generateAudienceStream(opts)) streamed.push(c as Buffer);
    expect(Buffer.concat(streamed).equals(Buffer.concat(chunks))).toBe(true);
  });

  describe('20,000 rows parsed with csv-parse', () => {
    const rows = 20_000;
    const text = bytesOf({ rows, seed: 2024 }).toString('utf8');
    const records = parse(text, { columns: true }) as Rec[];

    /** Count within a generous band around the AUDIENCE_MIX share. */
    function expectShare(name: string, count: number): void {
      const share = AUDIENCE_MIX[name];
      expect(share, `AUDIENCE_MIX.${name}`).toBeTypeOf('number');
      const expected = share! * rows;
      const tolerance = 4 * Math.sqrt(expected) + 0.05 * expected;
      expect(count, `${name}: ${count} rows, expected about ${expected.toFixed(0)}`).toBeGreaterThan(0);
      expect(Math.abs(count - expected), `${name}: ${count} rows, expected about ${expected.toFixed(0)}`).toBeLessThanOrEqual(
        tolerance,
      );
    }
    const count = (pred: (r: Rec) => boolean): number => records.filter(pred).length;

    it('has the header, LF line ends and exactly `rows` records', () => {
      expect(text.startsWith(HEADER + '\n')).toBe(true);
      expect(text.endsWith('\n')).toBe(true);
      expect(records).toHaveLength(rows);
      expect(Object.keys(records[0]!)).toEqual(HEADER.split(','));
      // Every CR sits inside a quoted first_name (CRLF line breaks in names), never at a line end.
      const crs = (text.match(/\r/g) ?? []).length;
      expect(crs).toBe(count((r) => r.first_name.includes('\r')));
    });

    it('crm_id: unique CRM ids, a few empty', () => {
      const ids = records.map((r) => r.crm_id).filter((x) => x !== '');
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^CRM\d{10}$/);
      expectShare('crm_id_empty', rows - ids.length);
    });

    it('email: valid, padded, mixed case, plus, non-ASCII, hashed, invalid, empty', () => {
      const kind = (v: string): string => {
        if (v === '') return 'empty';
        if (HEX64.test(v)) return 'hashed';
        const t = v.trim();
        if (EMAIL_SHAPE.test(t)) return NON_ASCII.test(t) ? 'non_ascii' : 'valid';
        return 'invalid';
      };
      for (const k of ['valid', 'non_ascii', 'hashed', 'invalid', 'empty']) {
        expectShare(`email_${k}`, count((r) => kind(r.email) === k));
      }
      const valid = records.map((r) => r.email).filter((v) => kind(v) === 'valid');
      expectShare('email_padded', valid.filter((v) => v !== v.trim()).length);
      expectShare('email_mixed_case', valid.filter((v) => /[A-Z]/.test(v)).length);
      expectShare('email_plus', valid.filter((v) => v.split('@')[0]!.includes('+')).length);
      expectShare('email_hashed_upper', count((r) => HEX64.test(r.email) && /[A-F]/.test(r.email)));
      expect(valid.some((v) => /^[ \t]+\S+[ \t]+$/.test(v) && /[A-Z]/.test(v))).toBe(true); // `  JohnDoe@Example.COM `
      expect(count((r) => r.email.includes('\t'))).toBeGreaterThan(0);
      // Each invalid kind shows up.
      const invalid = records.map((r) => r.email).filter((v) => kind(v) === 'invalid');
      expect(invalid.some((v) => !v.includes('@'))).toBe(true);
      expect(invalid.some((v) => v.split('@').length > 2)).toBe(true);
      expect(invalid.some((v) => / /.test(v.trim()))).toBe(true);
      expect(invalid.some((v) => v.endsWith('@'))).toBe(true);
      expect(invalid.some((v) => v.startsWith('@'))).toBe(true);
    });

    it('phone: possible numbers (00 means +, default country US) match the mix, with their country', () => {
      let ccMatches = 0;
      let withExt = 0;
      let invalid = 0;
      const valid: Rec[] = [];
      for (const r of records) {
        const p = r.phone;
        if (p === '' || HEX64.test(p)) continue;
        const n = parsePhoneNumberFromString(p.startsWith('00') ? '+' + p.slice(2) : p, 'US');
        if (n?.isPossible()) {
          valid.push(r);
          if (n.countryCallingCode === getCountryCallingCode(r.country as CountryCode)) ccMatches++;
          if (n.ext !== undefined) withExt++;
        } else invalid++;
      }
      const possible = valid.length;
      const countValid = (pred: (p: string) => boolean): number => valid.filter((r) => pred(r.phone)).length;
      expectShare('phone_valid', possible);
      expectShare('phone_invalid', invalid);
      expect(ccMatches).toBe(possible);
      expectShare('phone_extension', withExt);
      expectShare('phone_empty', count((r) => r.phone === ''));
      expectShare('phone_hashed', count((r) => HEX64.test(r.phone)));
      expectShare('phone_hashed_upper', count((r) => HEX64.test(r.phone) && /[A-F]/.test(r.phone)));
      expectShare('phone_intl_00', countValid((p) => p.startsWith('00')));
      expectShare('phone_us_plus1', countValid((p) => p.startsWith('+1')));
      expectShare('phone_intl_plus', countValid((p) => p.startsWith('+') && !p.startsWith('+1')));
      expectShare('phone_trunk_zero', countValid((p) => p.includes('(0)')));
      expectShare('phone_us', valid.filter((r) => r.country === 'US').length);
      // The US demo shapes are all there.
      for (const shape of [/^\(\d{3}\) \d{3}-\d{4}$/, /^\d{3}-\d{3}-\d{4}$/, /^\d{3}\.\d{3}\.\d{4}$/, /^\d{10}$/, /^1 \d{3} \d{3} \d{4}$/, /^\+1 \d{3}-\d{3}-\d{4}$/]) {
        expect(records.some((r) => shape.test(r.phone)), String(shape)).toBe(true);
      }
    });

    it('first_name: commas, quotes, line breaks (LF and CRLF), non-ASCII, empty', () => {
      expectShare('first_name_line_break', count((r) => r.first_name.includes('\n')));
      expect(count((r) => r.first_name.includes('\r\n'))).toBeGreaterThan(0);
      expect(count((r) => /(^|[^\r])\n/.test(r.first_name))).toBeGreaterThan(0);
      expectShare('first_name_quote', count((r) => r.first_name.includes('"')));
      expectShare('first_name_comma', count((r) => r.first_name.includes(',')));
      expectShare('first_name_empty', count((r) => r.first_name === ''));
      expectShare('first_name_non_ascii', count((r) => NON_ASCII.test(r.first_name)));
      // RFC 4180 on the wire: `Jo "JJ" Smith` is written `"Jo ""JJ"" Smith"`.
      expect(text).toMatch(/,"\p{L}+ ""\p{L}+"" \p{L}+",/u);
    });

    it('country and segment', () => {
      for (const c of ['US', 'GB', 'DE', 'FR', 'IN', 'IT', 'ES', 'NL', 'BR', 'AU', 'JP']) {
        expectShare(`country_${c}`, count((r) => r.country === c));
      }
      for (const r of records) expect(r.segment).toMatch(/^seg_\d+(\|seg_\d+)?$/);
      expectShare('segment_two', count((r) => r.segment.includes('|')));
      expect(new Set(records.flatMap((r) => r.segment.split('|'))).size).toBeGreaterThanOrEqual(24);
    });
  });

  it('AUDIENCE_MIX: exclusive kinds of a column sum to 1', () => {
    const m = AUDIENCE_MIX;
    const sum = (...ks: string[]): number => ks.reduce((s, k) => s + m[k]!, 0);
    expect(sum('email_valid', 'email_non_ascii', 'email_hashed', 'email_invalid', 'email_empty')).toBeCloseTo(1, 10);
    expect(sum('phone_valid', 'phone_hashed', 'phone_invalid', 'phone_empty')).toBeCloseTo(1, 10);
    expect(sum('phone_us', 'phone_intl_plus', 'phone_intl_00')).toBeCloseTo(m.phone_valid!, 10);
    expect(sum(...Object.keys(m).filter((k) => k.startsWith('country_')))).toBeCloseTo(1, 10);
    expect(Object.isFrozen(m)).toBe(true);
  });
});
