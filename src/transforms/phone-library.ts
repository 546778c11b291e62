/**
 * libphonenumber-js, the contract of phone normalisation, loaded on first use, and the outcomes
 * every phone normaliser returns. ./phone.ts answers the common shapes itself and asks this one
 * for the rest; the tests prove the two agree.
 */
import { createRequire } from 'node:module';
import type { CountryCode } from 'libphonenumber-js';

type PhoneLibrary = typeof import('libphonenumber-js');
let library: PhoneLibrary | undefined;

/**
 * libphonenumber-js, loaded on first use: its load (metadata included) takes ~40 ms, which a
 * worker of a job without a phone column would otherwise pay at every start.
 */
export function phoneLibrary(): PhoneLibrary {
  return (library ??= createRequire(import.meta.url)('libphonenumber-js') as PhoneLibrary);
}

/**
 * The plan of national numbers: ISO 3166-1 alpha-2, upper case, one with a numbering plan, as the
 * configuration validated it (src/config checks it once, so the worker does not), or none.
 */
export type DefaultCountry = string | undefined;

export const PHONE_INVALID = 0;
export const PHONE_NEEDS_COUNTRY = 1;
export type PhoneOutcome = string | typeof PHONE_INVALID | typeof PHONE_NEEDS_COUNTRY;

const PLUS = /[+\uFF0B]/;

/** The reference: the library alone (without the letters rule). Returns E.164 text with '+', PHONE_INVALID, or PHONE_NEEDS_COUNTRY. */
export function createLibraryPhoneNormalizer(defaultCountry: DefaultCountry): (trimmed: string) => PhoneOutcome {
  const country = defaultCountry as CountryCode | undefined;
  return (trimmed: string): PhoneOutcome => {
    // A leading '00' is the international prefix, whatever the default country.
    const text = trimmed.charCodeAt(0) === 48 && trimmed.charCodeAt(1) === 48 ? '+' + trimmed.slice(2) : trimmed;
    try {
      const phone = phoneLibrary().parsePhoneNumberWithError(text, country);
      return phone.isPossible() ? phone.number : PHONE_INVALID;
    } catch (e) {
      // A national number (no '+') with no default country: the library cannot pick a plan.
      if (country === undefined && e instanceof Error && e.message === 'INVALID_COUNTRY' && !PLUS.test(text)) {
        return PHONE_NEEDS_COUNTRY;
      }
      return PHONE_INVALID;
    }
  };
}
