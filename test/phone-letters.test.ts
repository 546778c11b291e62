/** #8 "Phone numbers with letters": a letter outside an extension label makes a phone value invalid. */
import { describe, expect, it } from 'vitest';
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';
import { mulberry32 } from '../src/tools/generate/prng.js';
import { Op } from '../src/protocol/messages.js';
import { runEngine } from './helpers/engine.js';
import { hasLettersOutsideExtension } from '../src/transforms/phone-letters.js';
import { PHONE_INVALID, createLibraryPhoneNormalizer, createPhoneFastPath, createPhoneNormalizer } from '../src/transforms/phone.js';

describe('phone values with letters', () => {
  it('rejects the numbers the library reads out of a prefix (the issue\'s two cases)', () => {
    // The library alone hashes numbers that are not in the record: the stated exception.
    expect(createLibraryPhoneNormalizer(undefined)('+49 16 41 ADN G')).toBe('+491641');
    expect(createLibraryPhoneNormalizer('GB')('0-561-23-4L-NGM')).toBe('+440561234');
    for (const [input, country] of [['+49 16 41 ADN G', undefined], ['+49 16 41 ADN G', 'DE'], ['0-561-23-4L-NGM', 'GB']] as const) {
      expect(createPhoneFastPath(country)(input), input).toBe(PHONE_INVALID);
      expect(createPhoneNormalizer(country)(input), input).toBe(PHONE_INVALID);
    }
  });

  it('rejects letters before, inside and after the number, and after an extension', () => {
    const us = createPhoneNormalizer('US');
    for (const input of ['tel:+14155552671', 'Tel. 415 555 2671', '415 555 2671 home', '415 555 CALL', '1-800-FLOWERS', '+1 415 555 2671 x45 mobile', '+1 415 5ü5 2671', '+1 415 555 2671 xx45']) {
      expect(us(input), input).toBe(PHONE_INVALID);
    }
  });

  it('keeps every extension label the library recognises, with the library\'s answer', () => {
    const labels = [' x', 'x', ' X ', ' ext ', ' ext. ', ' EXT:', ' extension ', ' extensión ', ' anexo ', ' int ', ' доб ', ';ext=', ' #', ',,', ' ~', ' ｘ', ' ｅｘｔ'];
    const us = createPhoneNormalizer('US');
    const library = createLibraryPhoneNormalizer('US');
    for (const label of labels) {
      const input = `+1 415 555 2671${label}45`;
      // The library itself reads the label as an extension: our pattern is its pattern.
      expect(parsePhoneNumberWithError(input).ext, input).toBe('45');
      expect(hasLettersOutsideExtension(input), input).toBe(false);
      expect(us(input), input).toBe(library(input));
      expect(us(input), input).toBe('+14155552671');
    }
  });

  it('excuses a letter only where the library reads an extension, on generated values', () => {
    const r = mulberry32(0x1e77e4);
    const pick = <T,>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
    const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
    const pieces = ['x', 'ext', 'ext.', 'int', 'anexo', ' ', '-', '#', ';', ',', ':', '.', 'a', 'e', 't', 'n', 'ü', 'X'];
    let excused = 0;
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      let input = pick(['+1 415 555 2671', '+44 20 7946 0958', '(415) 555-2671', '0171 1234567']);
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) input += pick(pieces);
      input += r() < 0.8 ? digits(1 + Math.floor(r() * 8)) : '';
      if (!/[a-zü]/i.test(input)) continue;
      if (hasLettersOutsideExtension(input)) {
        rejected++;
        continue;
      }
      excused++;
      let ext: string | undefined;
      try {
        ext = parsePhoneNumberWithError(input, 'US').ext;
      } catch {
        // Not a number at all for the library: invalid whatever the letters rule says.
        expect(createPhoneNormalizer('US')(input), input).toBe(PHONE_INVALID);
        continue;
      }
      expect(ext, input).toBeDefined();
    }
    expect(excused).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });

  it('a record with such a phone is rejected invalid_phone by the engine', async () => {
    const input = Buffer.from('id,phone\n1,+49 16 41 ADN G\n2,0-561-23-4L-NGM\n3,020 7946 0958 x12\n');
    const run = await runEngine(input, { chunkSize: 1 << 16, columns: (h) => [{ index: h.indexOf('phone'), name: 'phone', op: Op.PhoneSha256 }], init: { defaultCountry: 'GB' } });
    expect(run.rejects.map((r) => [r.line, r.reason])).toEqual([[2, 'invalid_phone'], [3, 'invalid_phone']]);
    expect(run.recordsOut).toBe(1);
  });
});
