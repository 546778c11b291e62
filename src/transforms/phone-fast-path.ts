/**
 * The fast path of phone normalisation: each step mirrors a step of libphonenumber-js's parse()
 * (source/parse.js and helpers/extract*.js) for inputs made only of ASCII digits, ' ', '-', '.',
 * '(', ')', '/' and an optional leading '+': for those, the library's extraction, viability and
 * extension steps reduce to "keep the digits" (all those characters are VALID_PUNCTUATION; no
 * extension pattern can match without a label, '#', ',' or ';'). It returns undefined for
 * anything it is not sure of, which ./phone.ts then hands to the library.
 */
import type { CountryCode } from 'libphonenumber-js';
import { hasLettersOutsideExtension } from './phone-letters.js';
import { PHONE_INVALID, PHONE_NEEDS_COUNTRY, phoneLibrary, type DefaultCountry, type PhoneOutcome } from './phone-library.js';

/** The parts of the library's (untyped) NumberingPlan that the fast path reads. */
interface PlanView {
  callingCode(): string;
  IDDPrefix(): string | undefined;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
}
interface MetadataView {
  selectNumberingPlan(countryOrCallingCode: string): unknown;
  numberingPlan?: PlanView;
  hasCallingCode(callingCode: string): boolean | undefined;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
}

const MIN_LENGTH_FOR_NSN = 2;
export const MAX_LENGTH_FOR_NSN = 17;
export const MAX_INPUT_STRING_LENGTH = 250;
/** Length tables run to this index; every possible length in the metadata is far below it. */
const LEN_CAP = 31;

const IS_POSSIBLE = 0;
const TOO_SHORT = 1;
const TOO_LONG = 2;
const INVALID_LENGTH = 3;

/** checkNumberLengthForType() with no type, as the library computes it. */
function lengthStatus(length: number, possibleLengths: readonly number[]): number {
  const min = possibleLengths[0]!;
  if (min === length) return IS_POSSIBLE;
  if (min > length) return TOO_SHORT;
  if (possibleLengths[possibleLengths.length - 1]! < length) return TOO_LONG;
  return possibleLengths.indexOf(length, 1) >= 0 ? IS_POSSIBLE : INVALID_LENGTH;
}

/**
 * Facts for one calling code, true whichever of its countries the library settles on (it picks
 * the exact country of a shared calling code from leading digits and number-type patterns).
 * Per length: 1 = yes for every country, 0 = no for every country, -1 = countries disagree (decline).
 */
export interface CallingCodeFacts {
  readonly callingCode: string;
  /** extractNationalNumber keeps a stripped national prefix unless the rest is TOO_SHORT or INVALID_LENGTH. */
  readonly acceptsStripped: Int8Array;
  /** PhoneNumber.isPossible(). */
  readonly possible: Int8Array;
  /** The plan the library selects for this calling code (its main country). */
  readonly main: PlanFacts;
}

export interface PlanFacts {
  readonly callingCode: string;
  readonly cc: CallingCodeFacts;
  /** ^(?:IDD prefix), or null when there is none. */
  readonly idd: RegExp | null;
  /** ^(?:national prefix for parsing), or null when the plan has none. */
  readonly npfp: RegExp | null;
  readonly transformRule: string | undefined;
  /** ^(?:national number pattern)$, exactly as matchesEntirely() builds it. */
  readonly nationalNumber: RegExp;
  /** This plan's own possible lengths (used where the library checks the selected plan only). */
  readonly ownLengths: readonly number[];
}

/** Metadata is read once per process, lazily; workers that never see a phone column pay nothing. */
let metadata: MetadataView | undefined;
/** Calling code -> facts, null for codes the fast path declines (non-geographic, missing lengths). */
const callingCodeFacts = new Map<string, CallingCodeFacts | null>();
const countryPlans = new Map<string, PlanFacts | null>();
/** For every 1-3 digit string: whether the library's hasCallingCode() accepts it. */
let knownCallingCodes: Set<string> | undefined;

function getMetadata(): MetadataView {
  if (metadata === undefined) metadata = new (phoneLibrary().Metadata as unknown as new () => MetadataView)();
  return metadata;
}

export function getKnownCallingCodes(): Set<string> {
  if (knownCallingCodes === undefined) {
    const m = getMetadata();
    const known = new Set<string>();
    for (let len = 1; len <= 3; len++) {
      const end = 10 ** len;
      for (let n = 0; n < end; n++) {
        const code = String(n).padStart(len, '0');
        if (m.hasCallingCode(code)) known.add(code);
      }
    }
    knownCallingCodes = known;
  }
  return knownCallingCodes;
}

function buildPlan(plan: PlanView, cc: CallingCodeFacts | null): PlanFacts | null {
  const ownLengths = plan.possibleLengths();
  if (cc === null || !ownLengths || ownLengths.length === 0) return null;
  const idd = plan.IDDPrefix();
  const npfp = plan.nationalPrefixForParsing();
  return {
    callingCode: plan.callingCode(),
    cc,
    idd: idd ? new RegExp('^(?:' + idd + ')') : null,
    npfp: npfp ? new RegExp('^(?:' + npfp + ')') : null,
    transformRule: plan.nationalPrefixTransformRule() || undefined,
    nationalNumber: new RegExp('^(?:' + plan.nationalNumberPattern() + ')$'),
    ownLengths,
  };
}

export function getCallingCodeFacts(callingCode: string): CallingCodeFacts | null {
  let facts = callingCodeFacts.get(callingCode);
  if (facts !== undefined) return facts;
  facts = null;
  const m = getMetadata();
  const countries = m.getCountryCodesForCallingCode(callingCode);
  if (countries && countries.length > 0) {
    const lengths: (readonly number[])[] = [];
    for (const country of countries) {
      m.selectNumberingPlan(country);
      const l = m.numberingPlan?.possibleLengths();
      if (!l || l.length === 0) {
        lengths.length = 0;
        break;
      }
      lengths.push(l);
    }
    if (lengths.length === countries.length) {
      const acceptsStripped = new Int8Array(LEN_CAP + 1);
      const possible = new Int8Array(LEN_CAP + 1);
      for (let len = 0; len <= LEN_CAP; len++) {
        let accepts = 0;
        let poss = 0;
        for (const l of lengths) {
          const s = lengthStatus(len, l);
          if (s !== TOO_SHORT && s !== INVALID_LENGTH) accepts++;
          if (s === IS_POSSIBLE) poss++;
        }
        acceptsStripped[len] = accepts === lengths.length ? 1 : accepts === 0 ? 0 : -1;
        possible[len] = poss === lengths.length ? 1 : poss === 0 ? 0 : -1;
      }
      // The library selects a calling code's plan by its first (main) country.
      m.selectNumberingPlan(countries[0]!);
      const partial = { callingCode, acceptsStripped, possible, main: undefined as unknown as PlanFacts };
      const main = buildPlan(m.numberingPlan!, partial);
      if (main !== null) {
        partial.main = main;
        facts = partial;
      }
    }
  }
  callingCodeFacts.set(callingCode, facts);
  return facts;
}

export function getCountryPlan(country: string): PlanFacts | null {
  let plan = countryPlans.get(country);
  if (plan !== undefined) return plan;
  const m = getMetadata();
  m.selectNumberingPlan(country);
  const view = m.numberingPlan!;
  plan = buildPlan(view, getCallingCodeFacts(view.callingCode()));
  countryPlans.set(country, plan);
  return plan;
}

export const DECLINE = -1;
/** The library's digits (VALID_DIGITS) and plus signs (PLUS_CHARS). */
const DIGIT_OR_PLUS = /[+\uFF0B0-9\uFF10-\uFF19\u0660-\u0669\u06F0-\u06F9]/;

/**
 * extractNationalNumber(): strips the national (trunk) prefix and carrier code as `plan` does.
 * Returns the national number, or DECLINE.
 */
export function extractNationalNumber(number: string, plan: PlanFacts): string | typeof DECLINE {
  if (number === '' || plan.npfp === null) return number;
  const match = plan.npfp.exec(number);
  if (match === null) return number;
  const groups = match.length - 1;
  const hasCapturedGroups = groups > 0 && !!match[groups];
  const national = plan.transformRule !== undefined && hasCapturedGroups
    ? number.replace(plan.npfp, plan.transformRule)
    : number.slice(match[0].length);
  if (national === number) return number;
  // shouldHaveExtractedNationalPrefix()
  if (plan.nationalNumber.test(number) && !plan.nationalNumber.test(national)) return number;
  const accepts = plan.cc.acceptsStripped[national.length > LEN_CAP ? LEN_CAP : national.length]!;
  if (accepts === -1) return DECLINE;
  return accepts === 1 ? national : number;
}

/**
 * Whether a national number of `len` digits is a possible number of the calling code: 1 yes, 0 no
 * (too short, too long, or no length of its countries), -1 its countries disagree (decline). The
 * rule of finish(), for the text path and the byte path (phone-bytes.ts) alike.
 */
export function possibleLength(cc: CallingCodeFacts, len: number): number {
  if (len < MIN_LENGTH_FOR_NSN || len > MAX_LENGTH_FOR_NSN) return 0;
  return cc.possible[len]!;
}

export function finish(cc: CallingCodeFacts, national: string | typeof DECLINE): PhoneOutcome | undefined {
  if (national === DECLINE) return undefined;
  const possible = possibleLength(cc, national.length);
  if (possible === 1) return '+' + cc.callingCode + national;
  return possible === 0 ? PHONE_INVALID : undefined;
}

function international(digits: string): PhoneOutcome | undefined {
  // extractCountryCallingCode(): '+0...' has no calling code.
  if (digits.charCodeAt(0) === 48) return PHONE_INVALID;
  const known = getKnownCallingCodes();
  for (let i = 1; i <= 3 && i <= digits.length; i++) {
    const code = digits.slice(0, i);
    if (!known.has(code)) continue;
    const cc = getCallingCodeFacts(code);
    if (cc === null) return undefined;
    return finish(cc, extractNationalNumber(digits.slice(i), cc.main));
  }
  return PHONE_INVALID;
}

export function national(digits: string, plan: PlanFacts): PhoneOutcome | undefined {
  // stripIddPrefix(): a national number that starts with the default country's IDD prefix is
  // read as international by the library. Rare in audiences: decline.
  if (plan.idd !== null && plan.idd.test(digits)) {
    if (plan.idd.exec(digits)![0].length > 0) return undefined;
  }
  let number = digits;
  let numberPlan = plan;
  // extractCountryCallingCodeFromInternationalNumberWithoutPlusSign(): "44 20 7946 0958" with GB.
  const code = plan.callingCode;
  if (digits.startsWith(code)) {
    const shorter = digits.slice(code.length);
    const shorterNational = extractNationalNumber(shorter, plan);
    const fullNational = extractNationalNumber(digits, plan);
    if (shorterNational === DECLINE || fullNational === DECLINE) return undefined;
    if (
      (!plan.nationalNumber.test(fullNational) && plan.nationalNumber.test(shorterNational)) ||
      lengthStatus(fullNational.length, plan.ownLengths) === TOO_LONG
    ) {
      number = shorter;
      numberPlan = plan.cc.main;
    }
  }
  return finish(plan.cc, extractNationalNumber(number, numberPlan));
}

/**
 * The fast path alone: the library's answer for the shapes it understands, `undefined` for
 * anything it declines (createPhoneNormalizer then asks the library). Exported for tests and
 * the benchmark, to measure coverage.
 */
export function createPhoneFastPath(defaultCountry: DefaultCountry): (trimmed: string) => PhoneOutcome | undefined {
  const country = defaultCountry as CountryCode | undefined;
  let plan: PlanFacts | null | undefined; // resolved on first national number
  return (trimmed: string): PhoneOutcome | undefined => {
    const n = trimmed.length;
    if (n === 0 || n > MAX_INPUT_STRING_LENGTH) return undefined;
    let i = 0;
    let intl = false;
    const c0 = trimmed.charCodeAt(0);
    if (c0 === 43) {
      intl = true;
      i = 1;
    } else if (c0 === 48 && trimmed.charCodeAt(1) === 48) {
      intl = true;
      i = 2;
    }
    let digits = '';
    let runStart = -1;
    for (; i < n; i++) {
      const c = trimmed.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        if (runStart < 0) runStart = i;
      } else if (c === 32 || c === 45 || c === 46 || c === 40 || c === 41 || c === 47) {
        if (runStart >= 0) {
          digits += trimmed.slice(runStart, i);
          runStart = -1;
        }
      } else {
        // Nothing the library could read as a digit or a plus ("n/a", "unknown"): NOT_A_NUMBER.
        // Letters outside an extension: invalid by our rule, so no such value reaches the library
        // (values over MAX_INPUT_STRING_LENGTH do, and the library rejects them as too long).
        if (!DIGIT_OR_PLUS.test(trimmed) || hasLettersOutsideExtension(trimmed)) return PHONE_INVALID;
        return undefined;
      }
    }
    if (runStart >= 0) digits = runStart === 0 && digits === '' ? trimmed : digits + trimmed.slice(runStart);
    // 1 or 2 digits: viability rules differ by shape, leave them to the library.
    if (digits.length < 3) return digits.length === 0 ? PHONE_INVALID : undefined;
    if (intl) return international(digits);
    if (country === undefined) return PHONE_NEEDS_COUNTRY;
    if (plan === undefined) plan = getCountryPlan(country);
    return plan === null ? undefined : national(digits, plan);
  };
}
