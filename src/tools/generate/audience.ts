/**
 * Seeded synthetic audience CSV for demos, tests and benchmarks (`audience-pipe generate`).
 *
 * Output: header `crm_id,email,phone,first_name,country,segment`, LF line ends, RFC 4180 quoting
 * (only values holding `,` `"` CR or LF are quoted, quotes doubled). The rows carry the dirt real
 * CRM exports carry, in the shares documented by AUDIENCE_MIX. The bytes depend only on
 * (rows, seed): same arguments, same bytes, same chunk boundaries, on every platform.
 *
 * Speed: rows are appended to one string per chunk and encoded once per chunk (about 1 MiB), no
 * per-field Buffers. Every random draw comes from one sfc32 stream (./prng.ts).
 */
import { Readable } from 'node:stream';
import { ConfigError } from '../../errors/errors.js';
import { csvField } from '../../formats/csv/text-field.js';
import { Prng } from './prng.js';

export interface GenerateOptions {
  rows: number;
  /** Default 1. Any safe integer. */
  seed?: number;
}

export const AUDIENCE_HEADER = 'crm_id,email,phone,first_name,country,segment';

/** A chunk is yielded once it reaches 1 MiB; rows are never split across chunks. */
const CHUNK_BYTES = 1 << 20;
const CHUNK_SLACK = 64 << 10;
/** Rows built into one string before it is encoded (a few KiB). */
const BATCH_ROWS = 32;

// ---------------------------------------------------------------------------------------------
// The mix. Conditional probabilities drive the generator; AUDIENCE_MIX exports the resulting
// shares of ALL rows, so the two can never drift apart.
// ---------------------------------------------------------------------------------------------

/** Country of the row (and of its phone number when the phone is valid). Sums to 1. */
const COUNTRY_SHARE = {
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
type Country = keyof typeof COUNTRY_SHARE;

const P = {
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

const emailValid = 1 - P.emailNonAscii - P.emailHashed - P.emailInvalid - P.emailEmpty;
const phoneValid = 1 - P.phoneHashed - P.phoneInvalid - P.phoneEmpty;
const intlShare = 1 - COUNTRY_SHARE.US;
const TRUNK_ZERO_COUNTRIES: readonly Country[] = ['GB', 'DE', 'FR', 'IN', 'NL', 'AU', 'JP'];
const trunkCountryShare = TRUNK_ZERO_COUNTRIES.reduce((s, c) => s + COUNTRY_SHARE[c], 0);

/**
 * US national shapes and their weights (sum 1). `plus` marks the shapes written with `+1`.
 * The area code / exchange / line are filled in at generation time.
 */
const US_SHAPES: ReadonlyArray<{ w: number; plus: boolean; f: (a: string, e: string, l: string) => string }> = [
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

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const FIRST_NAMES: readonly string[] = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William',
  'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah',
  'Charles', 'Karen', 'Christopher', 'Nancy', 'Daniel', 'Lisa', 'Matthew', 'Betty', 'Anthony',
  'Margaret', 'Mark', 'Sandra', 'Donald', 'Ashley', 'Steven', 'Kimberly', 'Paul', 'Emily',
  'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Dorothy', 'Kevin', 'Carol', 'Brian',
  'Amanda', 'George', 'Melissa', 'Edward', 'Deborah', 'Ronald', 'Stephanie', 'Timothy', 'Rebecca',
  'Jason', 'Sharon', 'Jeffrey', 'Laura', 'Ryan', 'Cynthia', 'Jacob', 'Kathleen', 'Gary', 'Amy',
  'Nicholas', 'Angela', 'Eric', 'Shirley', 'Jonathan', 'Anna', 'Stephen', 'Brenda', 'Larry',
  'Pamela', 'Justin', 'Emma', 'Scott', 'Nicole', 'Brandon', 'Helen', 'Benjamin', 'Samantha',
  'Samuel', 'Katherine', 'Olivia', 'Noah', 'Liam', 'Sophia', 'Mia', 'Lucas', 'Oliver', 'Harry',
  'Amelia', 'Isla', 'Jack', 'Freddie', 'Pierre', 'Camille', 'Louis', 'Manon', 'Hugo', 'Julie',
  'Lukas', 'Leon', 'Hannah', 'Lena', 'Felix', 'Marie', 'Giulia', 'Marco', 'Francesca', 'Luca',
  'Alessandro', 'Chiara', 'Carlos', 'Lucia', 'Javier', 'Carmen', 'Pablo', 'Sofia', 'Daan',
  'Sem', 'Julia', 'Fleur', 'Aarav', 'Priya', 'Rahul', 'Ananya', 'Vikram', 'Deepika', 'Gabriel',
  'Ana', 'Matheus', 'Beatriz', 'Rafael', 'Larissa', 'Jack', 'Chloe', 'Mitchell', 'Haruto',
  'Yui', 'Sota', 'Hina', 'Ren', 'Yuki', 'Wei', 'Mohammed', 'Fatima', 'Omar', 'Aisha', 'Ivan',
  'Olga', 'Kwame', 'Ngozi', 'Mei', 'Jin', 'Seo-yeon', 'Anne-Marie', "D'Andre", "O'Neil",
];

/** Non-ASCII first names and an ASCII folding used to build their e-mail addresses. */
const NON_ASCII_NAMES: ReadonlyArray<readonly [display: string, folded: string]> = [
  ['Zoë', 'zoe'], ['José', 'jose'], ['Łukasz', 'lukasz'], ['Björn', 'bjorn'],
  ['François', 'francois'], ['Søren', 'soren'], ['Renée', 'renee'], ['Jürgen', 'jurgen'],
  ['Ángel', 'angel'], ['Çağla', 'cagla'], ['Chloé', 'chloe'], ['Noémie', 'noemie'],
  ['Mårten', 'marten'], ['Åsa', 'asa'], ['Jörg', 'jorg'], ['Małgorzata', 'malgorzata'],
  ['Øyvind', 'oyvind'], ['Siân', 'sian'], ['Raúl', 'raul'], ['Iñaki', 'inaki'],
  ['João', 'joao'], ['Zoltán', 'zoltan'], ['Anaïs', 'anais'], ['Hélène', 'helene'],
  ['Léa', 'lea'], ['Ève', 'eve'], ['Dvořáček', 'dvoracek'], ['Şule', 'sule'],
  ['翔太', 'shota'], ['陽菜', 'hina'], ['Дмитрий', 'dmitry'], ['Ольга', 'olga'],
  ['Αλέξανδρος', 'alexandros'], ['अर्जुन', 'arjun'], ['Thérèse', 'therese'], ['Bjørn', 'bjorn'],
];

const LAST_NAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
  'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore',
  'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark',
  'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres',
  'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell',
  'Mitchell', 'Carter', 'Roberts', 'Doe', 'Dubois', 'Bernard', 'Muller', 'Schmidt', 'Schneider',
  'Fischer', 'Rossi', 'Russo', 'Ferrari', 'Fernandez', 'Jansen', 'deVries', 'Patel', 'Sharma',
  'Singh', 'Silva', 'Santos', 'Oliveira', 'Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Kim', 'Park',
  'Chen', 'Wang', 'Kowalski', 'Novak', 'Okafor', 'Murphy', 'Kelly', 'OBrien', 'Cohen',
];
const LAST_NAMES_LC: readonly string[] = LAST_NAMES.map((s) => s.toLowerCase());
const FIRST_NAMES_LC: readonly string[] = FIRST_NAMES.map((s) => s.toLowerCase().replace(/[^a-z]/g, ''));

const NICKNAMES: readonly string[] = ['JJ', 'Bob', 'Kiki', 'Bud', 'Doc', 'Ace', 'Red', 'Sunny', 'Mac', 'Liz'];
const SUFFIXES: readonly string[] = ['Jr.', 'Sr.', 'III', 'PhD', 'MD'];

/** E-mail domains per country; repeated entries weight the big providers. */
const DOMAINS: Readonly<Record<Country, readonly string[]>> = {
  US: [
    'gmail.com', 'gmail.com', 'gmail.com', 'gmail.com', 'yahoo.com', 'yahoo.com', 'hotmail.com',
    'outlook.com', 'icloud.com', 'aol.com', 'comcast.net', 'att.net', 'verizon.net', 'msn.com',
    'live.com', 'me.com', 'sbcglobal.net', 'protonmail.com', 'example.com', 'acme-corp.com',
    'globex.com', 'initech.com', 'umbrella-inc.com', 'stanford.edu', 'mit.edu', 'cox.net',
  ],
  GB: ['gmail.com', 'gmail.com', 'yahoo.co.uk', 'hotmail.co.uk', 'btinternet.com', 'sky.com', 'outlook.com', 'virginmedia.com', 'ntlworld.com', 'example.co.uk'],
  DE: ['gmail.com', 'gmx.de', 'gmx.de', 'web.de', 'web.de', 't-online.de', 'yahoo.de', 'freenet.de', 'posteo.de', 'example.de'],
  FR: ['gmail.com', 'orange.fr', 'orange.fr', 'free.fr', 'laposte.net', 'sfr.fr', 'hotmail.fr', 'wanadoo.fr', 'yahoo.fr'],
  IN: ['gmail.com', 'gmail.com', 'yahoo.co.in', 'rediffmail.com', 'outlook.com', 'hotmail.com'],
  IT: ['gmail.com', 'libero.it', 'libero.it', 'virgilio.it', 'tiscali.it', 'alice.it', 'hotmail.it'],
  ES: ['gmail.com', 'gmail.com', 'hotmail.es', 'yahoo.es', 'telefonica.net', 'outlook.es'],
  NL: ['gmail.com', 'ziggo.nl', 'kpnmail.nl', 'hotmail.nl', 'xs4all.nl', 'live.nl'],
  BR: ['gmail.com', 'gmail.com', 'uol.com.br', 'bol.com.br', 'hotmail.com', 'terra.com.br'],
  AU: ['gmail.com', 'bigpond.com', 'optusnet.com.au', 'outlook.com', 'iinet.net.au'],
  JP: ['gmail.com', 'yahoo.co.jp', 'docomo.ne.jp', 'ezweb.ne.jp', 'softbank.ne.jp', 'icloud.com'],
};
const IDN_DOMAINS: readonly string[] = ['exämple.de', 'müller.de', 'bücher.de', 'correo.españa.es', 'почта.рф', '例え.jp'];
const PLUS_TAGS: readonly string[] = ['news', 'shop', 'promo', 'spam', 'amazon', '2024', 'x', 'crm', 'test'];

const SEGMENTS: readonly string[] = Array.from({ length: 36 }, (_, i) => `seg_${100 + ((i * 7919) % 900)}`);

// US area codes (all in service), exchanges drawn from 200-999.
const US_AREA: readonly string[] = [
  '201', '202', '203', '205', '206', '207', '208', '210', '212', '213', '214', '215', '216', '217',
  '218', '219', '224', '225', '228', '229', '231', '234', '239', '240', '248', '251', '252', '253',
  '254', '256', '260', '262', '267', '269', '270', '276', '281', '301', '302', '303', '304', '305',
  '307', '308', '309', '310', '312', '313', '314', '315', '316', '317', '318', '319', '320', '321',
  '323', '330', '334', '336', '337', '339', '347', '351', '352', '360', '361', '385', '386', '401',
  '402', '404', '405', '406', '407', '408', '409', '410', '412', '413', '414', '415', '417', '419',
  '423', '425', '432', '434', '435', '440', '443', '469', '470', '478', '479', '480', '484', '501',
  '502', '503', '504', '505', '507', '508', '509', '510', '512', '513', '515', '516', '517', '518',
  '520', '530', '540', '541', '551', '559', '561', '562', '563', '567', '570', '571', '573', '574',
  '580', '585', '586', '601', '602', '603', '605', '606', '607', '608', '609', '610', '612', '614',
  '615', '616', '617', '618', '619', '620', '623', '626', '630', '631', '636', '641', '646', '650',
  '651', '657', '660', '661', '662', '678', '682', '701', '702', '703', '704', '706', '707', '708',
  '712', '713', '714', '715', '716', '717', '718', '719', '720', '724', '727', '731', '732', '734',
  '740', '754', '757', '760', '763', '765', '770', '772', '773', '774', '775', '781', '785', '786',
  '801', '802', '803', '804', '805', '806', '808', '810', '812', '813', '814', '815', '816', '817',
  '818', '828', '830', '831', '832', '843', '845', '847', '848', '850', '856', '857', '858', '859',
  '860', '862', '863', '864', '865', '870', '901', '903', '904', '906', '907', '908', '909', '910',
  '912', '913', '914', '915', '916', '917', '918', '919', '920', '925', '928', '931', '936', '937',
  '940', '941', '947', '949', '951', '952', '954', '956', '970', '971', '972', '973', '978', '979',
  '980', '985', '989',
];

const US_SHAPE_CUM: Float64Array = cumulative(US_SHAPES.map((s) => s.w));
const US_SHAPE_F = US_SHAPES.map((s) => s.f);

const INTL: readonly Country[] = ['GB', 'DE', 'FR', 'IN', 'IT', 'ES', 'NL', 'BR', 'AU', 'JP'];
const COUNTRY_LIST: readonly Country[] = ['US', ...INTL];
const COUNTRY_CUM: Float64Array = cumulative(COUNTRY_LIST.map((c) => COUNTRY_SHARE[c]));

const CALLING_CODE: Readonly<Record<Country, string>> = {
  US: '1', GB: '44', DE: '49', FR: '33', IN: '91', IT: '39', ES: '34', NL: '31', BR: '55', AU: '61', JP: '81',
};
const HAS_TRUNK_ZERO: Readonly<Record<Country, boolean>> = Object.fromEntries(
  COUNTRY_LIST.map((c) => [c, TRUNK_ZERO_COUNTRIES.includes(c)]),
) as Record<Country, boolean>;

const INVALID_PHONE_WORDS: readonly string[] = [
  'n/a', 'N/A', 'none', 'unknown', 'call me', 'tbd', 'see notes', '-', 'no phone', 'NULL', 'refused',
];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function cumulative(ws: readonly number[]): Float64Array {
  const out = new Float64Array(ws.length);
  let s = 0;
  for (let i = 0; i < ws.length; i++) out[i] = s += ws[i] as number;
  out[ws.length - 1] = Infinity; // guard against rounding: the last bucket takes the rest
  return out;
}

function bucket(cum: Float64Array, x: number): number {
  let i = 0;
  while (x >= (cum[i] as number)) i++;
  return i;
}

/** Zero-padded decimal strings: lookups instead of String() + slice() on the hot path. */
function padTable(width: number): readonly string[] {
  const n = 10 ** width;
  return Array.from({ length: n }, (_, i) => String(n + i).slice(1));
}
const DIG1 = padTable(1);
const DIG2 = padTable(2);
const DIG3 = padTable(3);
const DIG4 = padTable(4);
const DIG_BY_WIDTH: readonly (readonly string[])[] = [[''], DIG1, DIG2, DIG3, DIG4];

/** n random decimal digits (n >= 1), leading zeros kept. */
function digits(r: Prng, n: number): string {
  if (n <= 4) return (DIG_BY_WIDTH[n] as readonly string[])[r.int(10 ** n)] as string;
  let s = DIG4[r.int(10000)] as string;
  for (n -= 4; n > 4; n -= 4) s += DIG4[r.int(10000)] as string;
  return s + ((DIG_BY_WIDTH[n] as readonly string[])[r.int(10 ** n)] as string);
}

/** n random digits whose first digit is in [lo, hi]. */
function digitsFrom(r: Prng, n: number, lo: number, hi: number): string {
  const d = DIG1[lo + r.int(hi - lo + 1)] as string;
  return n > 1 ? d + digits(r, n - 1) : d;
}

/** Every 4-digit hex string, lower and upper case; built on first use (it costs ~10 ms to load). */
let hex4: { readonly lc: readonly string[]; readonly uc: readonly string[] } | undefined;
function hex4Tables(): { readonly lc: readonly string[]; readonly uc: readonly string[] } {
  if (hex4 === undefined) {
    const lc = Array.from({ length: 65536 }, (_, i) => (i + 0x10000).toString(16).slice(1));
    hex4 = { lc, uc: lc.map((h) => h.toUpperCase()) };
  }
  return hex4;
}

/** 64 hex characters: what an already-hashed SHA-256 value looks like. */
function hex64(r: Prng, upper: boolean): string {
  const tables = hex4Tables();
  const t = upper ? tables.uc : tables.lc;
  let s = '';
  for (let i = 0; i < 8; i++) {
    const x = r.u32();
    s += (t[x >>> 16] as string) + (t[x & 0xffff] as string);
  }
  return s;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

/** National significant number of a valid-looking number, as digit groups in local style. */
function nationalGroups(r: Prng, c: Country): string[] {
  const k = r.float();
  switch (c) {
    case 'GB':
      if (k < 0.4) return ['20', pickOf(r, ['3', '7', '8']) + digits(r, 3), digits(r, 4)];
      if (k < 0.85) return [pickOf(r, ['74', '75', '77', '78', '79']) + digitsFrom(r, 2, 1, 9), digits(r, 6)];
      return [pickOf(r, ['161', '121', '141', '131']), digitsFrom(r, 3, 2, 7), digits(r, 4)];
    case 'DE':
      if (k < 0.35) return ['30', digitsFrom(r, 8, 1, 9)];
      if (k < 0.5) return ['89', digitsFrom(r, 7, 1, 9)];
      return [pickOf(r, ['151', '152', '160', '170', '171', '172', '176', '177', '179']), digits(r, 8)];
    case 'FR':
      return [
        k < 0.55 ? '6' : k < 0.7 ? '7' : pickOf(r, ['1', '2', '3']),
        k < 0.55 ? digitsFrom(r, 2, 0, 8) : k < 0.7 ? digitsFrom(r, 2, 3, 8) : digitsFrom(r, 2, 1, 9),
        digits(r, 2),
        digits(r, 2),
        digits(r, 2),
      ];
    case 'IN':
      return [digitsFrom(r, 5, 7, 9), digits(r, 5)];
    case 'IT':
      if (k < 0.45) return [pickOf(r, ['06', '02']), digitsFrom(r, 4, 1, 9), digits(r, 4)];
      return [pickOf(r, ['320', '328', '333', '338', '340', '347', '348', '349', '366', '380', '393']), digits(r, 3), digits(r, 4)];
    case 'ES':
      if (k < 0.6) return [digitsFrom(r, 3, 6, 6), digits(r, 2), digits(r, 2), digits(r, 2)];
      return [pickOf(r, ['91', '93', '95', '96']), digitsFrom(r, 3, 1, 9), digits(r, 2), digits(r, 2)];
    case 'NL':
      if (k < 0.6) return ['6', digitsFrom(r, 8, 1, 5)];
      return [pickOf(r, ['20', '10', '70', '30']), digitsFrom(r, 3, 2, 9), digits(r, 4)];
    case 'BR': {
      const area = pickOf(r, ['11', '21', '31', '41', '51', '61', '71', '81', '19', '27']);
      if (k < 0.7) return [area, '9' + digitsFrom(r, 4, 6, 9), digits(r, 4)];
      return [area, digitsFrom(r, 4, 2, 5), digits(r, 4)];
    }
    case 'AU':
      if (k < 0.6) return ['4' + digitsFrom(r, 2, 0, 3), digits(r, 3), digits(r, 3)];
      return [pickOf(r, ['2', '3', '7', '8']), digitsFrom(r, 4, 8, 9), digits(r, 4)];
    case 'JP':
      if (k < 0.45) return ['3', digitsFrom(r, 4, 5, 6), digits(r, 4)];
      return [pickOf(r, ['90', '80', '70']), digitsFrom(r, 4, 1, 9), digits(r, 4)];
    default:
      return ['415', digitsFrom(r, 3, 2, 9), digits(r, 4)];
  }
}

function pickOf(r: Prng, xs: readonly string[]): string {
  return xs[r.int(xs.length)] as string;
}

function extension(r: Prng): string {
  const k = r.int(4);
  if (k === 0) return ` x${digitsFrom(r, 3, 1, 9)}`;
  if (k === 1) return ` ext. ${digitsFrom(r, 2, 1, 9)}`;
  if (k === 2) return ` ext ${digitsFrom(r, 1 + r.int(4), 1, 9)}`;
  return ` x ${digitsFrom(r, 4, 1, 9)}`;
}

function validPhone(r: Prng, c: Country): string {
  let s: string;
  if (c === 'US') {
    const area = US_AREA[r.int(US_AREA.length)] as string;
    const exch = DIG3[200 + r.int(800)] as string;
    const line = digits(r, 4);
    s = (US_SHAPE_F[bucket(US_SHAPE_CUM, r.float())] as (a: string, e: string, l: string) => string)(area, exch, line);
  } else {
    const prefix = (r.chance(P.phoneDoubleZeroGivenIntl) ? '00' : '+') + CALLING_CODE[c];
    const groups = nationalGroups(r, c);
    const style = r.float();
    if (style < 0.15) {
      s = prefix + groups.join('');
    } else {
      const sep = c === 'JP' || style > 0.88 ? '-' : ' ';
      const trunk = HAS_TRUNK_ZERO[c] && r.chance(P.phoneTrunkZeroGivenTrunkIntl) ? ' (0)' : ' ';
      s = prefix + trunk + groups.join(sep);
    }
  }
  return r.chance(P.phoneExtensionGivenValid) ? s + extension(r) : s;
}

function invalidPhone(r: Prng, c: Country): string {
  const k = r.int(5);
  if (k === 0) return INVALID_PHONE_WORDS[r.int(INVALID_PHONE_WORDS.length)] as string;
  if (k === 1) return digits(r, 3 + r.int(3)); // too short: 3-5 digits
  if (k === 2) return `${digits(r, 3)}-${digits(r, 2)}`;
  if (k === 3) return `+${CALLING_CODE[c]} ${digitsFrom(r, 3, 1, 9)}`; // country code, then almost nothing
  return `${digitsFrom(r, 3, 2, 9)}-CALL-${pickOf(r, ['NOW', 'ME', 'US'])}`; // letters
}

function emailDomain(r: Prng, c: Country): string {
  const ds = DOMAINS[c];
  return ds[r.int(ds.length)] as string;
}

/** A local part built from the person's names, lowercase unless `mixed`. */
function localPart(r: Prng, first: string, last: string, mixed: boolean): string {
  if (mixed) {
    first = cap(first);
    last = cap(last);
  }
  switch (r.int(8)) {
    case 0: return `${first}.${last}`;
    case 1: return first + last;
    case 2: return first.charAt(0) + last;
    case 3: return `${first}_${last}`;
    case 4: return `${first}.${last}${10 + r.int(90)}`;
    case 5: return first + String(1950 + r.int(56));
    case 6: return `${last}.${first}`;
    default: return first + last.charAt(0) + String(1 + r.int(999));
  }
}

const PADS: readonly string[] = [' ', '  ', '\t', ' \t', '   '];

function validEmail(r: Prng, first: string, last: string, c: Country): string {
  const mixed = r.chance(P.emailMixedCaseGivenValid);
  let local = localPart(r, first, last, mixed);
  if (r.chance(P.emailPlusGivenValid)) local += '+' + PLUS_TAGS[r.int(PLUS_TAGS.length)];
  let domain = emailDomain(r, c);
  if (mixed) {
    const k = r.int(4);
    if (k === 0) domain = domain.toUpperCase();
    else if (k === 1) domain = cap(domain);
    else if (k === 2) {
      const dot = domain.indexOf('.');
      domain = cap(domain.slice(0, dot)) + domain.slice(dot).toUpperCase(); // Example.COM
    } else local = local.toUpperCase();
  }
  let s = `${local}@${domain}`;
  if (r.chance(P.emailPaddedGivenValid)) {
    const k = r.int(3);
    if (k !== 1) s = (PADS[r.int(PADS.length)] as string) + s;
    if (k !== 0) s += PADS[r.int(PADS.length)] as string;
  }
  return s;
}

function nonAsciiEmail(r: Prng, c: Country): string {
  const [display, folded] = NON_ASCII_NAMES[r.int(NON_ASCII_NAMES.length)] as readonly [string, string];
  const k = r.int(3);
  const lower = display.toLowerCase();
  if (k === 0) return `${lower}@${emailDomain(r, c)}`; // josé@gmail.com
  if (k === 1) return `${folded}@${IDN_DOMAINS[r.int(IDN_DOMAINS.length)]}`; // jose@exämple.de
  return `${lower}@${IDN_DOMAINS[r.int(IDN_DOMAINS.length)]}`; // josé@exämple.de
}

function invalidEmail(r: Prng, first: string, last: string, c: Country): string {
  const domain = emailDomain(r, c);
  switch (r.int(6)) {
    case 0: return `${first}.${last}.${domain}`; // no @
    case 1: return `${first}${last}@@${domain}`; // two @
    case 2: return `${first}@${last}@${domain}`; // two @
    case 3: return `${first} ${last}@${domain}`; // space inside
    case 4: return `${first}.${last}@`; // @ at the end
    default: return `@${domain}`; // @ at the start
  }
}

/** The first_name field, already CSV-quoted where needed. */
function firstNameField(r: Prng, kind: number, first: string, nonAscii: string): string {
  // kind: 0 plain, 1 non-ASCII, 2 comma, 3 quote, 4 line break, 5 empty
  switch (kind) {
    case 0: return first;
    case 1: return nonAscii;
    case 2: {
      const k = r.int(3);
      const last = LAST_NAMES[r.int(LAST_NAMES.length)] as string;
      const v = k === 0 ? `${last}, ${first}` : k === 1 ? `${first}, ${SUFFIXES[r.int(SUFFIXES.length)]}` : `${first},`;
      return csvField(v);
    }
    case 3: {
      const nick = NICKNAMES[r.int(NICKNAMES.length)] as string;
      const k = r.int(3);
      const v =
        k === 0 ? `${first.slice(0, 2)} "${nick}" ${LAST_NAMES[r.int(LAST_NAMES.length)]}` : k === 1 ? `${first} "${nick}"` : `"${first}"`;
      return csvField(v);
    }
    case 4: {
      const nl = r.chance(P.nameLineBreakCrlfGivenLineBreak) ? '\r\n' : '\n';
      const k = r.int(3);
      const v =
        k === 0
          ? first + nl + (FIRST_NAMES[r.int(FIRST_NAMES.length)] as string)
          : k === 1
            ? first + nl + (LAST_NAMES[r.int(LAST_NAMES.length)] as string)
            : first + nl;
      return csvField(v);
    }
    default: return '';
  }
}

const NAME_KIND_CUM: Float64Array = cumulative([
  1 - P.nameNonAscii - P.nameComma - P.nameQuote - P.nameLineBreak - P.nameEmpty,
  P.nameNonAscii,
  P.nameComma,
  P.nameQuote,
  P.nameLineBreak,
  P.nameEmpty,
]);
const EMAIL_KIND_CUM: Float64Array = cumulative([emailValid, P.emailNonAscii, P.emailHashed, P.emailInvalid, P.emailEmpty]);
const PHONE_KIND_CUM: Float64Array = cumulative([phoneValid, P.phoneHashed, P.phoneInvalid, P.phoneEmpty]);

// ---------------------------------------------------------------------------------------------
// Rows and chunks
// ---------------------------------------------------------------------------------------------

/** `crmPrefix` is `CRM` + the first 6 of the 10 digits of the 1-based row number. */
function row(r: Prng, crmPrefix: string, crmLow: number): string {
  const crm = r.chance(P.crmEmpty) ? '' : crmPrefix + (DIG4[crmLow] as string);
  const country = COUNTRY_LIST[bucket(COUNTRY_CUM, r.float())] as Country;

  // The person: one first and last name feed the first_name column and the e-mail.
  const nameKind = bucket(NAME_KIND_CUM, r.float());
  let first: string;
  let firstLc: string;
  let nonAscii = '';
  if (nameKind === 1) {
    const pair = NON_ASCII_NAMES[r.int(NON_ASCII_NAMES.length)] as readonly [string, string];
    nonAscii = pair[0];
    first = pair[0];
    firstLc = pair[1];
  } else {
    const i = r.int(FIRST_NAMES.length);
    first = FIRST_NAMES[i] as string;
    firstLc = FIRST_NAMES_LC[i] as string;
  }
  const lastLc = LAST_NAMES_LC[r.int(LAST_NAMES_LC.length)] as string;

  let email: string;
  switch (bucket(EMAIL_KIND_CUM, r.float())) {
    case 0: email = validEmail(r, firstLc, lastLc, country); break;
    case 1: email = nonAsciiEmail(r, country); break;
    case 2: email = hex64(r, r.chance(P.hashedUpperGivenHashed)); break;
    case 3: email = invalidEmail(r, firstLc, lastLc, country); break;
    default: email = '';
  }

  let phone: string;
  switch (bucket(PHONE_KIND_CUM, r.float())) {
    case 0: phone = validPhone(r, country); break;
    case 1: phone = hex64(r, r.chance(P.hashedUpperGivenHashed)); break;
    case 2: phone = invalidPhone(r, country); break;
    default: phone = '';
  }

  const name = firstNameField(r, nameKind, first, nonAscii);

  let segment = SEGMENTS[r.int(SEGMENTS.length)] as string;
  if (r.chance(P.segmentTwo)) {
    let other = SEGMENTS[r.int(SEGMENTS.length)] as string;
    if (other === segment) other = SEGMENTS[(SEGMENTS.indexOf(segment) + 1) % SEGMENTS.length] as string;
    segment += '|' + other;
  }

  // E-mails and phones never hold `,` `"` CR or LF (the test checks the file parses to `rows`
  // records); first_name is quoted by firstNameField.
  return `${crm},${email},${phone},${name},${country},${segment}\n`;
}

function validate(opts: GenerateOptions): { rows: number; seed: number } {
  const rows = opts?.rows;
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0) {
    throw new ConfigError(`--rows must be a non-negative integer, got ${String(rows)}`, '--rows');
  }
  const seed = opts.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new ConfigError(`--seed must be an integer, got ${String(seed)}`, '--seed');
  }
  return { rows, seed };
}

function* chunks(rows: number, seed: number): Generator<Buffer> {
  const r = new Prng(seed);
  // Rows are encoded into the chunk buffer in small batches as soon as they are built, so their
  // strings die young: a 1 MiB rope of row strings would survive scavenges and cost more in GC
  // than the generation itself.
  let buf = Buffer.allocUnsafeSlow(CHUNK_BYTES + CHUNK_SLACK);
  let off = buf.write(AUDIENCE_HEADER + '\n', 0, 'latin1');
  let crmPrefix = '';
  let batch = '';
  let inBatch = 0;
  for (let i = 0; i < rows; i++) {
    const id = i + 1;
    const low = id % 10000;
    if (low === 0 || i === 0) crmPrefix = 'CRM' + String(1e6 + Math.floor(id / 10000)).slice(1);
    batch += row(r, crmPrefix, low);
    if (++inBatch === BATCH_ROWS || i === rows - 1) {
      // UTF-8 needs at most 3 bytes per UTF-16 unit.
      if (batch.length * 3 > buf.length - off) {
        yield buf.subarray(0, off);
        buf = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES + CHUNK_SLACK, batch.length * 3));
        off = 0;
      }
      off += buf.write(batch, off, 'utf8');
      batch = '';
      inBatch = 0;
      if (off >= CHUNK_BYTES) {
        yield buf.subarray(0, off);
        buf = Buffer.allocUnsafeSlow(CHUNK_BYTES + CHUNK_SLACK);
        off = 0;
      }
    }
  }
  if (off > 0) yield buf.subarray(0, off);
}

/**
 * Yields the CSV bytes in chunks of roughly 1 MiB, header first. Deterministic for (rows, seed).
 * Options are checked at call time (ConfigError), not at the first `next()`.
 */
export function generateAudience(opts: GenerateOptions): Generator<Buffer> {
  const { rows, seed } = validate(opts);
  return chunks(rows, seed);
}

/** A byte stream (not object mode) over the same bytes as generateAudience. */
export function generateAudienceStream(opts: GenerateOptions): Readable {
  return Readable.from(generateAudience(opts), { objectMode: false });
}
