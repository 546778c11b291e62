/** The email column: addresses built from the person's names, with the decorations and faults of real exports. */
import type { Prng } from './prng.js';
import { cap, cumulative } from './draw.js';
import { emailValid, P, type Country } from './mix.js';
import { NON_ASCII_NAMES } from './names.js';

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

export function validEmail(r: Prng, first: string, last: string, c: Country): string {
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

export function nonAsciiEmail(r: Prng, c: Country): string {
  const [display, folded] = NON_ASCII_NAMES[r.int(NON_ASCII_NAMES.length)] as readonly [string, string];
  const k = r.int(3);
  const lower = display.toLowerCase();
  if (k === 0) return `${lower}@${emailDomain(r, c)}`; // josé@gmail.com
  if (k === 1) return `${folded}@${IDN_DOMAINS[r.int(IDN_DOMAINS.length)]}`; // jose@exämple.de
  return `${lower}@${IDN_DOMAINS[r.int(IDN_DOMAINS.length)]}`; // josé@exämple.de
}

export function invalidEmail(r: Prng, first: string, last: string, c: Country): string {
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

/** Kinds in the order row() switches on: valid, non-ASCII, hashed, invalid, empty. */
export const EMAIL_KIND_CUM: Float64Array = cumulative([emailValid, P.emailNonAscii, P.emailHashed, P.emailInvalid, P.emailEmpty]);
