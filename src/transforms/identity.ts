/**
 * Identity rules on a value's bytes (DOMAIN.md "Identities"): which values are valid e-mail
 * addresses. Pure, worker-side, one copy of the rule for every path: the ASCII fast path checks
 * while it copies the value lowercased into the hash batch, a value read as text is checked on
 * its UTF-8 bytes. Already-hashed values are `isHex64` of encoding.ts. Values are trimmed with
 * JavaScript's `trim()` and non-empty.
 */

/** lowerEmailBits: the value is a valid address. */
export const EMAIL_VALID = 1;
/** lowerEmailBits: the value has a byte >= 0x80 (the copy lowercased its ASCII letters only). */
export const EMAIL_NOT_ASCII = 2;

/** Per byte: itself, or an ASCII capital's small letter. */
const LOWER = Uint8Array.from({ length: 256 }, (_, c) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c));
const C_AT = 1;
const C_SPACE = 2;
const C_HIGH = 3;
/** Per byte: C_AT, C_SPACE (ASCII whitespace), C_HIGH (>= 0x80) or 0. */
const EMAIL_CLASS = Uint8Array.from({ length: 256 }, (_, c) => (c === 0x40 ? C_AT : c === 0x20 || (c >= 0x09 && c <= 0x0d) ? C_SPACE : c >= 0x80 ? C_HIGH : 0));

/**
 * Copies src[start, end) to dst[at, ...) with ASCII letters lowercased, and says whether it is a
 * valid address: exactly one `@` with something on both sides and no whitespace, whitespace being
 * JavaScript's `\s`: ASCII TAB, LF, VT, FF, CR and space, and in UTF-8 U+00A0, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 and U+FEFF. One pass: on the hot path.
 */
export function lowerEmailInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): boolean {
  return (lowerEmailBits(src, start, end, dst, at) & EMAIL_VALID) !== 0;
}

/**
 * lowerEmailInto's copy and rule, its answer as bits: EMAIL_VALID, and EMAIL_NOT_ASCII for a
 * value with a byte >= 0x80 (whose lowercased form is then the text's, not this copy). Two table
 * loads a byte and a branch only at a byte of neither a letter nor a digit nor a dot: a branch
 * on the byte's kind, mispredicted at every digit, dot or underscore of an address, was most of
 * the time of an ASCII address.
 */
export function lowerEmailBits(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  let atSign = -1;
  const shift = at - start;
  let valid = true;
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = src[i];
    dst[i + shift] = LOWER[c];
    const k = EMAIL_CLASS[c];
    if (k === 0) continue;
    if (k === C_AT) {
      if (atSign !== -1) valid = false;
      atSign = i;
    } else if (k === C_SPACE) {
      valid = false;
    } else {
      high = EMAIL_NOT_ASCII;
      if (unicodeSpaceAt(src, i, end)) valid = false;
    }
  }
  return (valid && atSign > start && atSign < end - 1 ? EMAIL_VALID : 0) | high;
}

/** True when a UTF-8 sequence of one of `\s`'s non-ASCII code points starts at src[i]. */
function unicodeSpaceAt(src: Uint8Array, i: number, end: number): boolean {
  const c = src[i];
  const c1 = i + 1 < end ? src[i + 1] : 0;
  const c2 = i + 2 < end ? src[i + 2] : 0;
  if (c === 0xc2) return c1 === 0xa0;
  if (c === 0xe1) return c1 === 0x9a && c2 === 0x80;
  if (c === 0xe2 && c1 === 0x80) return (c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf;
  if (c === 0xe2 && c1 === 0x81) return c2 === 0x9f;
  if (c === 0xe3) return c1 === 0x80 && c2 === 0x80;
  if (c === 0xef) return c1 === 0xbb && c2 === 0xbf;
  return false;
}
