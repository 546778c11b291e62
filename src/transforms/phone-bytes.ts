/**
 * The phone fast path (./phone-fast-path.ts) on a value's bytes, for the profile index build,
 * where most phones of a table are read: the same steps on the digits gathered into a buffer,
 * the E.164 digits written out as bytes. No string is made but the national number, and that only
 * when it may start with a national prefix of its plan (a regular expression of the metadata); the
 * text path made the value's text, its digits by concatenation, the calling code's slices, the
 * E.164 text and its copy without the '+'. Whatever is not ASCII digits, ' -.()/' and a leading
 * '+' or '00', and whatever the fast path declines, is PHONE_BYTES_UNSURE: the caller reads it as
 * text (createPhoneNormalizer), which decides it as it always did. Proven equal to the fast path
 * on the generated inputs of test/phone.test.ts.
 */
import { latin1Slice } from './byte-buffers.js';
import {
  DECLINE,
  extractNationalNumber,
  finish,
  getCallingCodeFacts,
  getCountryPlan,
  getKnownCallingCodes,
  MAX_INPUT_STRING_LENGTH,
  MAX_LENGTH_FOR_NSN,
  national,
  possibleLength,
  type CallingCodeFacts,
  type PlanFacts,
} from './phone-fast-path.js';
import { PHONE_INVALID, type DefaultCountry, type PhoneOutcome } from './phone-library.js';

export const PHONE_BYTES_INVALID = -1;
export const PHONE_BYTES_NEEDS_COUNTRY = -2;
export const PHONE_BYTES_UNSURE = -3;
/** The most E.164 digits written: a calling code of 3 and a national number of MAX_LENGTH_FOR_NSN. */
export const PHONE_BYTES_MAX = 3 + MAX_LENGTH_FOR_NSN;

/** For each calling code as a number (1 to 999): 1 when the library knows it; filled on first use. */
let knownCodes: Uint8Array | undefined;
const codeFacts: (CallingCodeFacts | null | undefined)[] = [];
/** Per calling code: its main plan's national prefixes when they are plain digits (see literalPrefixes). */
const codePrefixes: (readonly Uint8Array[] | null | undefined)[] = [];

/**
 * The national prefixes a plan's regular expression for them (`^(?:0|180020)`) stands for when
 * it is alternatives of digits only (most plans that have one: `0`, `1`, `8`): the expression
 * then matches a number exactly when it starts with one of them. Null for any other expression.
 */
function literalPrefixes(npfp: RegExp): readonly Uint8Array[] | null {
  const m = /^\^\(\?:(\d+(?:\|\d+)*)\)$/.exec(npfp.source);
  return m === null || npfp.flags !== '' ? null : m[1].split('|').map((p) => Buffer.from(p, 'latin1'));
}

function startsWithOne(digits: Buffer, from: number, to: number, prefixes: readonly Uint8Array[]): boolean {
  for (const p of prefixes) {
    if (p.length > to - from) continue;
    let k = 0;
    while (k < p.length && digits[from + k] === p[k]) k++;
    if (k === p.length) return true;
  }
  return false;
}

function knownCode(code: number): boolean {
  if (knownCodes === undefined) {
    const known = new Uint8Array(1000);
    // Codes never start with 0 (the fast path's '+0' is invalid before), so a number names one string.
    for (const c of getKnownCallingCodes()) if (c.charCodeAt(0) !== 48) known[Number(c)] = 1;
    knownCodes = known;
  }
  return knownCodes[code] === 1;
}

/**
 * Returns a function that writes the E.164 digits (without '+') of the trimmed value
 * src[start, end) to dst from `at` (room for PHONE_BYTES_MAX bytes) and returns their count, or
 * returns PHONE_BYTES_INVALID, PHONE_BYTES_NEEDS_COUNTRY or PHONE_BYTES_UNSURE: what
 * createPhoneFastPath(defaultCountry) answers for the value's text.
 */
export function createPhoneBytesPath(defaultCountry: DefaultCountry): (src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number) => number {
  let plan: PlanFacts | null | undefined;
  const digits = Buffer.allocUnsafeSlow(MAX_INPUT_STRING_LENGTH);
  return (src, start, end, dst, at) => {
    const n = end - start;
    if (n === 0 || n > MAX_INPUT_STRING_LENGTH) return PHONE_BYTES_UNSURE;
    let i = start;
    let intl = false;
    const c0 = src[start];
    if (c0 === 43) {
      intl = true;
      i++;
    } else if (c0 === 48 && n > 1 && src[start + 1] === 48) {
      intl = true;
      i += 2;
    }
    let d = 0;
    for (; i < end; i++) {
      const c = src[i];
      if (c >= 48 && c <= 57) digits[d++] = c;
      else if (c !== 32 && c !== 45 && c !== 46 && c !== 40 && c !== 41 && c !== 47) return PHONE_BYTES_UNSURE;
    }
    if (d < 3) return d === 0 ? PHONE_BYTES_INVALID : PHONE_BYTES_UNSURE;
    if (intl) return international(digits, d, dst, at);
    if (defaultCountry === undefined) return PHONE_BYTES_NEEDS_COUNTRY;
    if (plan === undefined) plan = getCountryPlan(defaultCountry);
    return plan === null ? PHONE_BYTES_UNSURE : written(national(latin1Slice(digits, 0, d), plan), dst, at);
  };
}

/** The fast path's international(), on digits[0, d). */
function international(digits: Buffer, d: number, dst: Uint8Array, at: number): number {
  // extractCountryCallingCode(): '+0...' has no calling code.
  if (digits[0] === 48) return PHONE_BYTES_INVALID;
  let code = 0;
  for (let i = 1; i <= 3 && i <= d; i++) {
    code = code * 10 + digits[i - 1] - 48;
    if (!knownCode(code)) continue;
    let cc = codeFacts[code];
    if (cc === undefined) cc = codeFacts[code] = getCallingCodeFacts(String(code));
    if (cc === null) return PHONE_BYTES_UNSURE;
    // extractNationalNumber() keeps the number as it is without a national prefix to look for,
    // or when its expression does not match (told on the bytes for prefixes of digits only).
    const npfp = cc.main.npfp;
    if (npfp === null || i === d) return finishBytes(cc, digits, i, d, dst, at);
    let prefixes = codePrefixes[code];
    if (prefixes === undefined) prefixes = codePrefixes[code] = literalPrefixes(npfp);
    if (prefixes !== null && !startsWithOne(digits, i, d, prefixes)) return finishBytes(cc, digits, i, d, dst, at);
    const number = latin1Slice(digits, i, d);
    const nationalNumber = extractNationalNumber(number, cc.main);
    if (nationalNumber === number) return finishBytes(cc, digits, i, d, dst, at);
    return nationalNumber === DECLINE ? PHONE_BYTES_UNSURE : written(finish(cc, nationalNumber), dst, at);
  }
  return PHONE_BYTES_INVALID;
}

/** The fast path's finish() for the national number digits[from, to). */
function finishBytes(cc: CallingCodeFacts, digits: Buffer, from: number, to: number, dst: Uint8Array, at: number): number {
  const possible = possibleLength(cc, to - from);
  if (possible === 0) return PHONE_BYTES_INVALID;
  if (possible !== 1) return PHONE_BYTES_UNSURE;
  const code = cc.callingCode;
  let o = at;
  for (let k = 0; k < code.length; k++) dst[o++] = code.charCodeAt(k);
  for (let k = from; k < to; k++) dst[o++] = digits[k];
  return o - at;
}

/** An outcome of the text steps as this path answers it. */
function written(r: PhoneOutcome | undefined, dst: Uint8Array, at: number): number {
  if (r === undefined) return PHONE_BYTES_UNSURE;
  if (r === PHONE_INVALID) return PHONE_BYTES_INVALID;
  if (typeof r !== 'string') return PHONE_BYTES_NEEDS_COUNTRY;
  // E.164 text: '+' and digits.
  for (let k = 1; k < r.length; k++) dst[at + k - 1] = r.charCodeAt(k);
  return r.length - 1;
}
