/**
 * Phone normalisation to E.164 for `phone_sha256` / `phone_sha256_e164` (worker-side, pure).
 *
 * The contract is defined by libphonenumber-js (min metadata), see createLibraryPhoneNormalizer.
 * createPhoneNormalizer answers the common shapes itself (a port of the library's parse steps,
 * driven by the library's own metadata with every regular expression compiled once) and hands
 * anything it is not sure of to the library. "Not sure" includes: characters other than ASCII
 * digits and ` -.()/`, a '+' anywhere but first, fewer than 3 digits, extensions, non-geographic
 * calling codes, a national number starting with the default country's IDD prefix, and lengths
 * whose possibility depends on which country of a shared calling code the number belongs to
 * (e.g. 7 digits under +1, 9 digits under +44).
 *
 * One stated exception to the library's answer: a value with a letter outside an extension label
 * is PHONE_INVALID (see phone-letters.ts), decided by the fast path before any value reaches the
 * library.
 */
import { createPhoneFastPath } from './phone-fast-path.js';
import { createLibraryPhoneNormalizer, type DefaultCountry, type PhoneOutcome } from './phone-library.js';

export { createPhoneFastPath } from './phone-fast-path.js';
export { createLibraryPhoneNormalizer, PHONE_INVALID, PHONE_NEEDS_COUNTRY, type DefaultCountry, type PhoneOutcome } from './phone-library.js';

/** Returns E.164 text with '+' (e.g. '+14155552671'), PHONE_INVALID, or PHONE_NEEDS_COUNTRY. Never throws per number. */
export function createPhoneNormalizer(defaultCountry: DefaultCountry): (trimmed: string) => PhoneOutcome {
  const fast = createPhoneFastPath(defaultCountry);
  const library = createLibraryPhoneNormalizer(defaultCountry);
  return (trimmed: string): PhoneOutcome => {
    let r = fast(trimmed);
    if (r === undefined) {
      // A number the fast path reads, then an extension the library drops ("x123", "ext. 45"):
      // the library's answer is the number's own. Anything less certain goes to the library.
      const m = EXTENSION.exec(trimmed);
      if (m !== null) {
        const main = fast(m[1]);
        if (typeof main === 'string') r = main;
      }
    }
    return r === undefined ? library(trimmed) : r;
  };
}

/**
 * A trailing extension in the shapes every libphonenumber-js extension pattern accepts: `x` or
 * `ext`/`ext.`, optional spaces, 1 to 6 digits (the library takes up to 9 after `x`, 20 after
 * `ext`), after a number ending in a digit or `)`.
 */
const EXTENSION = /^(.*[0-9)]) *(?:x|ext\.?) *([0-9]{1,6})$/i;
