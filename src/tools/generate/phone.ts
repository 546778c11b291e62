/** The phone column: valid numbers in the local styles of each country, and junk. */
import type { Prng } from './prng.js';
import { bucket, cumulative, DIG3, digits, digitsFrom, pickOf } from './draw.js';
import { COUNTRY_LIST, P, phoneValid, TRUNK_ZERO_COUNTRIES, US_SHAPES, type Country } from './mix.js';

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

const CALLING_CODE: Readonly<Record<Country, string>> = {
  US: '1', GB: '44', DE: '49', FR: '33', IN: '91', IT: '39', ES: '34', NL: '31', BR: '55', AU: '61', JP: '81',
};
const HAS_TRUNK_ZERO: Readonly<Record<Country, boolean>> = Object.fromEntries(
  COUNTRY_LIST.map((c) => [c, TRUNK_ZERO_COUNTRIES.includes(c)]),
) as Record<Country, boolean>;

const INVALID_PHONE_WORDS: readonly string[] = [
  'n/a', 'N/A', 'none', 'unknown', 'call me', 'tbd', 'see notes', '-', 'no phone', 'NULL', 'refused',
];

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

function extension(r: Prng): string {
  const k = r.int(4);
  if (k === 0) return ` x${digitsFrom(r, 3, 1, 9)}`;
  if (k === 1) return ` ext. ${digitsFrom(r, 2, 1, 9)}`;
  if (k === 2) return ` ext ${digitsFrom(r, 1 + r.int(4), 1, 9)}`;
  return ` x ${digitsFrom(r, 4, 1, 9)}`;
}

export function validPhone(r: Prng, c: Country): string {
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

export function invalidPhone(r: Prng, c: Country): string {
  const k = r.int(5);
  if (k === 0) return INVALID_PHONE_WORDS[r.int(INVALID_PHONE_WORDS.length)] as string;
  if (k === 1) return digits(r, 3 + r.int(3)); // too short: 3-5 digits
  if (k === 2) return `${digits(r, 3)}-${digits(r, 2)}`;
  if (k === 3) return `+${CALLING_CODE[c]} ${digitsFrom(r, 3, 1, 9)}`; // country code, then almost nothing
  return `${digitsFrom(r, 3, 2, 9)}-CALL-${pickOf(r, ['NOW', 'ME', 'US'])}`; // letters
}

/** Kinds in the order row() switches on: valid, hashed, invalid, empty. */
export const PHONE_KIND_CUM: Float64Array = cumulative([phoneValid, P.phoneHashed, P.phoneInvalid, P.phoneEmpty]);
