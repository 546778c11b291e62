/** One CSV row of the generated audience: the person, then each column in header order. */
import type { Prng } from './prng.js';
import { bucket, cumulative, DIG4, hex64 } from './draw.js';
import { EMAIL_KIND_CUM, invalidEmail, nonAsciiEmail, validEmail } from './email.js';
import { COUNTRY_LIST, COUNTRY_SHARE, P, type Country } from './mix.js';
import { FIRST_NAMES, FIRST_NAMES_LC, firstNameField, LAST_NAMES_LC, NAME_KIND_CUM, NON_ASCII_NAMES } from './names.js';
import { invalidPhone, PHONE_KIND_CUM, validPhone } from './phone.js';

const SEGMENTS: readonly string[] = Array.from({ length: 36 }, (_, i) => `seg_${100 + ((i * 7919) % 900)}`);
const COUNTRY_CUM: Float64Array = cumulative(COUNTRY_LIST.map((c) => COUNTRY_SHARE[c]));

/** `crmPrefix` is `CRM` + the first 6 of the 10 digits of the 1-based row number. */
export function row(r: Prng, crmPrefix: string, crmLow: number): string {
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
