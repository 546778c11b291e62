/**
 * The dirt mix of the generated audience. Conditional probabilities (P) drive the value
 * generators; AUDIENCE_MIX exports the resulting shares of ALL rows, computed from the same
 * constants, so the documented mix and the generated one can never drift apart.
 */

/** Country of the row (and of its phone number when the phone is valid). Sums to 1. */
export const COUNTRY_SHARE = {
  US: 0.76,
  GB: 0.05,
  DE: 0.04,
  FR: 0.03,
  IN: 0.025,
  IT: 0.02,
  ES: 0.02,
  NL: 0.02,
  BR: 0.015,
  AU: 0.01,
  JP: 0.01,
} as const;
export type Country = keyof typeof COUNTRY_SHARE;

export const P = {
  crmEmpty: 0.005,

  // e-mail, exclusive kinds (sum 1): valid, nonAscii, hashed, invalid, empty
  emailNonAscii: 0.005,
  emailHashed: 0.02,
  emailInvalid: 0.015,
  emailEmpty: 0.035,
  // decorations of valid e-mails, independent of each other
  emailMixedCaseGivenValid: 0.27,
  emailPaddedGivenValid: 0.054,
  emailPlusGivenValid: 0.043,
  hashedUpperGivenHashed: 0.25,

  // phone, exclusive kinds (sum 1): valid, hashed, invalid, empty
  phoneHashed: 0.02,
  phoneInvalid: 0.02,
  phoneEmpty: 0.04,
  phoneDoubleZeroGivenIntl: 0.35, // `0044 ...` rather than `+44 ...`
  phoneTrunkZeroGivenTrunkIntl: 0.12, // `+44 (0)20 ...`, only for countries with trunk prefix 0
  phoneExtensionGivenValid: 0.011,

  // first name, exclusive kinds
  nameEmpty: 0.02,
  nameNonAscii: 0.04,
  nameComma: 0.01,
  nameQuote: 0.005,
  nameLineBreak: 0.003,
  nameLineBreakCrlfGivenLineBreak: 0.5,

  segmentTwo: 0.15,
} as const;

export const emailValid = 1 - P.emailNonAscii - P.emailHashed - P.emailInvalid - P.emailEmpty;
export const phoneValid = 1 - P.phoneHashed - P.phoneInvalid - P.phoneEmpty;
const intlShare = 1 - COUNTRY_SHARE.US;
export const TRUNK_ZERO_COUNTRIES: readonly Country[] = ['GB', 'DE', 'FR', 'IN', 'NL', 'AU', 'JP'];
const trunkCountryShare = TRUNK_ZERO_COUNTRIES.reduce((s, c) => s + COUNTRY_SHARE[c], 0);

/**
 * US national shapes and their weights (sum 1). `plus` marks the shapes written with `+1`.
 * The area code / exchange / line are filled in at generation time.
 */
export const US_SHAPES: ReadonlyArray<{ w: number; plus: boolean; f: (a: string, e: string, l: string) => string }> = [
  { w: 0.25, plus: false, f: (a, e, l) => `(${a}) ${e}-${l}` },
  { w: 0.25, plus: false, f: (a, e, l) => `${a}-${e}-${l}` },
  { w: 0.08, plus: false, f: (a, e, l) => `${a}.${e}.${l}` },
  { w: 0.15, plus: false, f: (a, e, l) => a + e + l },
  { w: 0.07, plus: false, f: (a, e, l) => `${a} ${e} ${l}` },
  { w: 0.05, plus: false, f: (a, e, l) => `1 ${a} ${e} ${l}` },
  { w: 0.05, plus: false, f: (a, e, l) => `1-${a}-${e}-${l}` },
  { w: 0.05, plus: true, f: (a, e, l) => `+1 ${a}-${e}-${l}` },
  { w: 0.03, plus: true, f: (a, e, l) => `+1 (${a}) ${e}-${l}` },
  { w: 0.02, plus: true, f: (a, e, l) => `+1${a}${e}${l}` },
];
const usPlusShare = US_SHAPES.reduce((s, x) => s + (x.plus ? x.w : 0), 0);

// The order the country is drawn in: changing it changes every row of every seed.
const INTL: readonly Country[] = ['GB', 'DE', 'FR', 'IN', 'IT', 'ES', 'NL', 'BR', 'AU', 'JP'];
export const COUNTRY_LIST: readonly Country[] = ['US', ...INTL];

/**
 * The dirt mix, as shares of all rows (0..1). Exclusive kinds of one column sum to 1
 * (`email_valid + email_non_ascii + email_hashed + email_invalid + email_empty`, and
 * `phone_valid + phone_hashed + phone_invalid + phone_empty`); the other keys are subsets:
 * - `email_mixed_case`, `email_padded` (spaces/tabs around), `email_plus` are decorations of
 *   valid e-mails, independent of each other; `email_hashed_upper` is a subset of hashed.
 * - `phone_us` + `phone_intl_plus` + `phone_intl_00` = `phone_valid`; `phone_us_plus1` is the US
 *   part written `+1 ...`; `phone_trunk_zero` (`+44 (0)20 ...`) and `phone_extension`
 *   (` x123`, ` ext. 45`) are subsets of valid phones.
 * - `first_name_*` kinds are exclusive; the rest are plain names.
 * - `country_XX` is the share of rows of each country (the phone's country when it is valid).
 * - `segment_two`: two segments joined by `|`.
 */
export const AUDIENCE_MIX: Readonly<Record<string, number>> = Object.freeze({
  crm_id_empty: P.crmEmpty,

  email_valid: emailValid,
  email_mixed_case: emailValid * P.emailMixedCaseGivenValid,
  email_padded: emailValid * P.emailPaddedGivenValid,
  email_plus: emailValid * P.emailPlusGivenValid,
  email_non_ascii: P.emailNonAscii,
  email_hashed: P.emailHashed,
  email_hashed_upper: P.emailHashed * P.hashedUpperGivenHashed,
  email_invalid: P.emailInvalid,
  email_empty: P.emailEmpty,

  phone_valid: phoneValid,
  phone_us: phoneValid * COUNTRY_SHARE.US,
  phone_us_plus1: phoneValid * COUNTRY_SHARE.US * usPlusShare,
  phone_intl_plus: phoneValid * intlShare * (1 - P.phoneDoubleZeroGivenIntl),
  phone_intl_00: phoneValid * intlShare * P.phoneDoubleZeroGivenIntl,
  phone_trunk_zero: phoneValid * trunkCountryShare * P.phoneTrunkZeroGivenTrunkIntl,
  phone_extension: phoneValid * P.phoneExtensionGivenValid,
  phone_hashed: P.phoneHashed,
  phone_hashed_upper: P.phoneHashed * P.hashedUpperGivenHashed,
  phone_invalid: P.phoneInvalid,
  phone_empty: P.phoneEmpty,

  first_name_empty: P.nameEmpty,
  first_name_non_ascii: P.nameNonAscii,
  first_name_comma: P.nameComma,
  first_name_quote: P.nameQuote,
  first_name_line_break: P.nameLineBreak,

  segment_two: P.segmentTwo,

  ...Object.fromEntries(Object.entries(COUNTRY_SHARE).map(([c, s]) => [`country_${c}`, s])),
});
