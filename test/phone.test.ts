import { mulberry32 } from '../src/tools/generate/prng.js';
import { describe, expect, it } from 'vitest';
import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';
import {
  PHONE_INVALID,
  PHONE_NEEDS_COUNTRY,
  createLibraryPhoneNormalizer,
  createPhoneFastPath,
  createPhoneNormalizer,
  type PhoneOutcome,
} from '../src/transforms/phone.js';
import { hasLettersOutsideExtension } from '../src/transforms/phone-letters.js';
import { createPhoneBytesPath, PHONE_BYTES_INVALID, PHONE_BYTES_MAX, PHONE_BYTES_NEEDS_COUNTRY, PHONE_BYTES_UNSURE } from '../src/transforms/phone-bytes.js';

const VECTORS: [input: string, country: string | undefined, expected: PhoneOutcome][] = [
  ['+44 (0)20 7946 0958', undefined, '+442079460958'],
  ['020 7946 0958', 'GB', '+442079460958'],
  ['06 1234 5678', 'IT', '+390612345678'],
  ['+1 415 555 2671 x123', undefined, '+14155552671'],
  ['0044 20 7946 0958', undefined, '+442079460958'],
  ['415 555 2671', undefined, PHONE_NEEDS_COUNTRY],
  ['(415) 555-2671', 'US', '+14155552671'],
];

describe.each([
  ['library', createLibraryPhoneNormalizer],
  ['fast path + library', createPhoneNormalizer],
] as const)('phone vectors (%s)', (_name, create) => {
  it.each(VECTORS)('%s with %s', (input, country, expected) => {
    expect(create(country)(input)).toBe(expected);
  });

  it('rejects what is not a possible number, never throwing', () => {
    const us = create('US');
    for (const bad of ['12', '415 555', 'abc', '+0 415 555 2671', '+999 1234', '1'.repeat(300), '+1 415 555 26711', '☎']) {
      expect(us(bad)).toBe(PHONE_INVALID);
    }
  });

  it('reads national numbers with the default country, and asks for one without it', () => {
    // The country comes validated and upper-cased from the configuration (cli-process.test: 'XX' is exit 2).
    expect(create('GB')('020 7946 0958')).toBe('+442079460958');
    expect(create(undefined)('020 7946 0958')).toBe(PHONE_NEEDS_COUNTRY);
  });
});

describe('fast path', () => {
  it('answers the common shapes itself and declines what it does not model', () => {
    const us = createPhoneFastPath('US');
    expect(us('(415) 555-2671')).toBe('+14155552671');
    expect(us('1.415.555.2671')).toBe('+14155552671');
    expect(us('+44 (0)20 7946 0958')).toBe('+442079460958');
    expect(us('0033 6 12 34 56 78')).toBe('+33612345678');
    expect(createPhoneFastPath(undefined)('415 555 2671')).toBe(PHONE_NEEDS_COUNTRY);
    expect(us('+1 415 555 2671 x123')).toBeUndefined(); // extension
    expect(us('011 44 20 7946 0958')).toBeUndefined(); // US IDD prefix
    expect(us('555 2671')).toBeUndefined(); // 7 digits: possible in CA, not in US
    expect(us('＋1 415 555 2671')).toBeUndefined(); // full-width plus
    expect(us('n/a')).toBe(PHONE_INVALID); // nothing the library could read as a number
    expect(us('(-)')).toBe(PHONE_INVALID);
  });
});

// ------------------------------------------------------------------------------------------
// Differential test: the fast path must give the library's exact answer on every input, with
// one stated exception: a value with letters outside an extension label is invalid
// (test/phone-letters.test.ts), where the library reads a number out of the text before them.
// ------------------------------------------------------------------------------------------

/** The contract: the library's answer, except for letters outside an extension. */
function contractOf(library: (trimmed: string) => PhoneOutcome): (trimmed: string) => PhoneOutcome {
  return (trimmed) => (hasLettersOutsideExtension(trimmed) ? PHONE_INVALID : library(trimmed));
}


const DEFAULT_COUNTRIES = ['US', 'GB', 'FR', 'DE', 'IT', 'IN', 'BR', 'AU', 'JP', undefined] as const;
/** Test data only: how people write the trunk prefix and the international prefix at home. */
const TRUNK: Record<string, string> = { US: '1', GB: '0', FR: '0', DE: '0', IT: '0', IN: '0', BR: '0', AU: '0', JP: '0', RU: '8' };
const IDD: Record<string, string> = { US: '011', GB: '00', FR: '00', DE: '00', IT: '00', IN: '00', BR: '0021', AU: '0011', JP: '010' };
const ALL_COUNTRIES = getCountries();

interface Sample {
  input: string;
  /** A shape the fast path is meant to cover: digits, separators, '+', '00', national, '(0)'. */
  common: boolean;
}

function makeGenerator(rand: () => number) {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const digitsOf = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String(int(0, 9));
    return s;
  };
  const example = (country: CountryCode): string => (examples as Record<string, string>)[country] ?? digitsOf(int(6, 11));

  /** A national significant number: mostly mutated real examples, some random digit strings. */
  function nationalNumber(country: CountryCode): string {
    const base = example(country);
    const r = rand();
    if (r < 0.6) {
      const k = Math.min(base.length - 1, int(1, 5));
      return base.slice(0, base.length - k) + digitsOf(k);
    }
    if (r < 0.85) return String(int(1, 9)) + digitsOf(Math.max(1, base.length - 1 + int(-1, 1)));
    return digitsOf(int(3, 14));
  }

  const SEPARATORS = [' ', ' ', '-', '.', '', '/', ' - '];
  function format(digits: string): string {
    const sep = pick(SEPARATORS);
    const parts: string[] = [];
    for (let i = 0; i < digits.length; ) {
      const n = int(2, 4);
      parts.push(digits.slice(i, i + n));
      i += n;
    }
    if (parts.length > 1 && rand() < 0.2) parts[0] = '(' + parts[0] + ')';
    return parts.join(rand() < 0.85 ? sep : pick(SEPARATORS));
  }

  const LETTERS = 'abcxeEXTtO';
  const EXTENSIONS = [' x', ' ext. ', ' ext ', '#', ' ext.', ';ext=', ',,', ' - '];
  const JUNK = ['\u00A0', '\t', '\uFF10', '\u0661', '+', '#', '~', '[', '*', ',', ';', '\u2013', 'tel:', ':'];

  return function sample(defaultCountry: CountryCode | undefined): Sample {
    const home: CountryCode = defaultCountry && rand() < 0.6 ? defaultCountry : pick(ALL_COUNTRIES);
    const cc = getCountryCallingCode(home);
    const nn = nationalNumber(home);
    const trunk = TRUNK[home] ?? pick(['0', '0', '1', '8']);
    const kind = int(0, 19);
    switch (kind) {
      case 0: case 1: case 2:
        return { input: '+' + (rand() < 0.7 ? cc + ' ' : cc) + format(nn), common: true };
      case 3: case 4:
        return { input: '00' + (rand() < 0.5 ? cc + ' ' : cc) + format(nn), common: true };
      case 5:
        return { input: '+' + cc + ' (' + trunk + ')' + format(nn), common: true };
      case 6: case 7: case 8:
        return { input: format(nn), common: true }; // national, no trunk prefix
      case 9: case 10:
        return { input: format(trunk + nn), common: true }; // national with trunk prefix
      case 11:
        return { input: format(cc + nn), common: true }; // international without '+'
      case 12: // too short
        return { input: (rand() < 0.5 ? '+' + cc + ' ' : '') + format(nn.slice(0, int(1, Math.max(1, nn.length - 2)))), common: true };
      case 13: // too long
        return { input: (rand() < 0.5 ? '+' + cc + ' ' : rand() < 0.5 ? trunk : '') + format(nn + digitsOf(int(1, 6))), common: true };
      case 14: // extension
        return { input: (rand() < 0.5 ? '+' + cc + ' ' : '') + format(nn) + pick(EXTENSIONS) + digitsOf(int(1, 7)), common: false };
      case 15: { // letters
        const s = (rand() < 0.5 ? '+' + cc : '') + format(nn);
        const at = int(0, s.length);
        return { input: s.slice(0, at) + pick(LETTERS.split('')) + s.slice(at), common: false };
      }
      case 16: // the default country's own international prefix
        return { input: (IDD[defaultCountry ?? 'US'] ?? '00') + ' ' + cc + ' ' + format(nn), common: false };
      case 17: { // odd characters
        const s = (rand() < 0.5 ? '+' + cc : trunk) + format(nn);
        const at = int(0, s.length);
        return { input: (s.slice(0, at) + pick(JUNK) + s.slice(at)).trim() || '0', common: false };
      }
      case 18: // '+' inside brackets, '0' right after the international prefix, stray '+'
        return { input: pick(['(+' + cc + ') ', '+0' + cc + ' ', '+ ' + cc + ' ', '000' + cc, '+(' + cc + ') ']) + format(nn), common: false };
      default: { // digit soup
        const n = int(1, 22);
        return { input: (rand() < 0.3 ? '+' : rand() < 0.2 ? '00' : '') + format(digitsOf(n)), common: true };
      }
    }
  };
}

describe('phone: differential against libphonenumber-js', () => {
  // A longer hunt: PHONE_DIFF_PER_COUNTRY=500000 PHONE_DIFF_SEED=7 npx vitest run test/phone.test.ts
  const PER_COUNTRY = Math.max(22_000, Number(process.env.PHONE_DIFF_PER_COUNTRY) || 0);
  const SEED = Number(process.env.PHONE_DIFF_SEED) || 0;

  it(`agrees with the library on ${PER_COUNTRY * DEFAULT_COUNTRIES.length} generated inputs`, () => {
    const sample = makeGenerator(mulberry32(0x5eed_1234 + SEED));
    const mismatches: string[] = [];
    let total = 0;
    let common = 0;
    let commonFast = 0;
    let fastValid = 0;
    let fastInvalid = 0;
    const coverage: Record<string, string> = {};
    for (const dc of DEFAULT_COUNTRIES) {
      const fast = createPhoneFastPath(dc);
      const combined = createPhoneNormalizer(dc);
      const library = contractOf(createLibraryPhoneNormalizer(dc));
      let dcCommon = 0;
      let dcFast = 0;
      for (let i = 0; i < PER_COUNTRY; i++) {
        const { input, common: isCommon } = sample(dc);
        total++;
        const expected = library(input);
        const fastAnswer = fast(input);
        const got = combined(input);
        if (got !== expected || (fastAnswer !== undefined && fastAnswer !== expected)) {
          if (mismatches.length < 25) {
            mismatches.push(`${dc ?? '-'} ${JSON.stringify(input)}: library ${expected}, fast ${fastAnswer}, combined ${got}`);
          }
        }
        if (fastAnswer === PHONE_INVALID) fastInvalid++;
        else if (typeof fastAnswer === 'string') fastValid++;
        if (isCommon) {
          common++;
          dcCommon++;
          if (fastAnswer !== undefined) {
            commonFast++;
            dcFast++;
          }
        }
      }
      coverage[dc ?? 'none'] = `${((100 * dcFast) / dcCommon).toFixed(1)}%`;
    }
    const share = commonFast / common;
    console.log(
      `phone fast path: ${(100 * share).toFixed(1)}% of ${common} common-shape inputs (of ${total}); ` +
        `E.164 ${fastValid}, invalid ${fastInvalid}; per default country ${JSON.stringify(coverage)}`,
    );
    expect(mismatches).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(200_000);
    expect(share).toBeGreaterThan(0.8);
    // The fast path must really decide both ways, not just pass everything on.
    expect(fastValid).toBeGreaterThan(total * 0.3);
    expect(fastInvalid).toBeGreaterThan(total * 0.05);
  });

  it('agrees with the library for every supported country as the default country', () => {
    const sample = makeGenerator(mulberry32(0xc0ffee + SEED));
    const mismatches: string[] = [];
    let total = 0;
    let taken = 0;
    for (const dc of ALL_COUNTRIES) {
      const fast = createPhoneFastPath(dc);
      const library = contractOf(createLibraryPhoneNormalizer(dc));
      for (let i = 0; i < Math.ceil(PER_COUNTRY / 55); i++) {
        const { input } = sample(dc);
        total++;
        const expected = library(input);
        const answer = fast(input);
        if (answer !== undefined) taken++;
        if (answer !== undefined && answer !== expected && mismatches.length < 25) {
          mismatches.push(`${dc} ${JSON.stringify(input)}: library ${expected}, fast ${answer}`);
        }
      }
    }
    console.log(`phone fast path, all ${ALL_COUNTRIES.length} default countries: took ${((100 * taken) / total).toFixed(1)}% of ${total}`);
    expect(mismatches).toEqual([]);
    expect(taken).toBeGreaterThan(total * 0.5);
  });
});

describe('extensions', () => {
  it('numbers with a trailing extension give the library answer, without the library, for every shape tried', () => {
    const r = mulberry32(77);
    const d = (n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
    const pick = <T,>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
    let compared = 0;
    for (const cc of ['US', 'GB', 'DE', 'IT', 'IN', undefined]) {
      const normalizer = createPhoneNormalizer(cc);
      const library = contractOf(createLibraryPhoneNormalizer(cc));
      for (let i = 0; i < 5000; i++) {
        const body = pick([`(${d(3)}) ${d(3)}-${d(4)}`, `${d(3)}-${d(3)}-${d(4)}`, `+${d(1 + Math.floor(r() * 3))} ${d(3)} ${d(3)} ${d(4)}`, `0${d(2)} ${d(4)} ${d(4)}`, `00${d(2)} ${d(3)} ${d(6)}`, d(Math.floor(r() * 14))]);
        const input = (body + pick([' x', 'x', ' ext ', ' ext.', 'ext', ' EXT. ', ' X ']) + d(1 + Math.floor(r() * 8))).trim();
        expect(normalizer(input), `${cc} ${JSON.stringify(input)}`).toBe(library(input));
        compared++;
      }
    }
    expect(compared).toBe(30000);
    expect(createPhoneNormalizer('US')('+1 415 555 2671 x123')).toBe('+14155552671');
    expect(createPhoneNormalizer('US')('(415) 555-2671 ext. 45')).toBe('+14155552671');
  });
});

describe('the fast path on bytes (the index build)', () => {
  /** What the text fast path answers, as the byte path says it. */
  const asBytes = (a: PhoneOutcome | undefined): string | number => (a === undefined ? PHONE_BYTES_UNSURE : a === PHONE_INVALID ? PHONE_BYTES_INVALID : a === PHONE_NEEDS_COUNTRY ? PHONE_BYTES_NEEDS_COUNTRY : a.slice(1));
  /** The shapes the byte path reads itself: ASCII digits, ' -.()/' and a leading '+'. */
  const READ = /^\+?[0-9 ().\/-]*$/;

  it('answers what the text fast path answers, for every generated input it decides and for all it is meant to read', () => {
    const sample = makeGenerator(mulberry32(0xb17e5 + Number(process.env.PHONE_DIFF_SEED || 0)));
    const mismatches: string[] = [];
    let decided = 0;
    let total = 0;
    const countries = [...DEFAULT_COUNTRIES, ...ALL_COUNTRIES.filter((_, i) => i % 7 === 0)];
    for (const dc of countries) {
      const fast = createPhoneFastPath(dc);
      const bytes = createPhoneBytesPath(dc);
      for (let i = 0; i < (DEFAULT_COUNTRIES.includes(dc as never) ? 6000 : 600); i++) {
        const input = sample(dc).input.trim();
        if (input === '') continue;
        total++;
        const src = Buffer.from(`  ${input}`, 'utf8');
        const dst = Buffer.alloc(PHONE_BYTES_MAX + 4, 0x2e);
        const n = bytes(src, 2, src.length, dst, 3);
        const got = n >= 0 ? dst.toString('latin1', 3, 3 + n) : n;
        const want = asBytes(fast(input));
        if (n !== PHONE_BYTES_UNSURE) decided++;
        // Undecided only where the text path is, or for a shape the byte path leaves to it.
        const ok = got === want || (n === PHONE_BYTES_UNSURE && !READ.test(input.startsWith('00') ? input.slice(2) : input));
        if (!ok && mismatches.length < 25) mismatches.push(`${dc ?? '-'} ${JSON.stringify(input)}: text ${want}, bytes ${got}`);
        if (n >= 0) expect(dst[3 + n]).toBe(0x2e);
      }
    }
    expect(mismatches).toEqual([]);
    expect(decided).toBeGreaterThan(total * 0.6);
  });
});
