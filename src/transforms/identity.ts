/**
 * Identity rules on a value's bytes (DOMAIN.md "Identities"): which values are valid e-mail
 * addresses. Pure, worker-side, one copy of the rule for every path: the ASCII fast path checks
 * while it copies the value lowercased into the hash batch, a value read as text is checked on
 * its UTF-8 bytes. Already-hashed values are `isHex64` of encoding.ts. Values are trimmed with
 * JavaScript's `trim()` and non-empty.
 */
import { isAsciiSpace } from './byte-buffers.js';

/** lowerEmailBits: the value is a valid address. */
export const EMAIL_VALID = 1;
/** lowerEmailBits: the value has a byte >= 0x80 (the copy lowercased its ASCII letters only). */
export const EMAIL_NOT_ASCII = 2;

const C_AT = 1;
const C_SPACE = 2;
const C_HIGH = 3;
/**
 * Per byte, one load for both: its kind (C_AT, C_SPACE: ASCII whitespace, C_HIGH: >= 0x80, or 0)
 * times 256, plus the byte itself or an ASCII capital's small letter.
 */
const EMAIL_BYTE = Uint16Array.from({ length: 256 }, (_, c) => {
  const kind = c === 0x40 ? C_AT : isAsciiSpace(c) ? C_SPACE : c >= 0x80 ? C_HIGH : 0;
  return (kind << 8) | (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
});

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
 * value with a byte >= 0x80 (whose lowercased form is then the text's, not this copy). One table
 * load a byte and a branch only at '@', whitespace or a byte >= 0x80. ASCII addresses, 200,000
 * of the bench table's, min of 25 alternating rounds: ~80 -> ~58 ns an address.
 */
export function lowerEmailBits(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  let atSign = -1;
  const shift = at - start;
  let valid = true;
  for (let i = start; i < end; i++) {
    const t = EMAIL_BYTE[src[i]];
    // The store keeps the low byte: the byte lowercased.
    dst[i + shift] = t;
    if (t < 0x100) continue;
    const k = t >> 8;
    if (k === C_AT) {
      if (atSign !== -1) valid = false;
      atSign = i;
    } else if (k === C_SPACE) {
      valid = false;
    } else {
      return lowerEmailRest(src, start, end, dst, at, i, atSign, valid);
    }
  }
  return valid && atSign > start && atSign < end - 1 ? EMAIL_VALID : 0;
}

/**
 * lowerEmailBits from src[i], a byte >= 0x80, on: the UTF-8 whitespace looked for too. A function
 * of its own: the look in the loop of every address made the ASCII one ~40% slower.
 */
function lowerEmailRest(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number, from: number, atSign: number, valid: boolean): number {
  const shift = at - start;
  for (let i = from; i < end; i++) {
    const t = EMAIL_BYTE[src[i]];
    dst[i + shift] = t;
    if (t < 0x100) continue;
    const k = t >> 8;
    if (k === C_AT) {
      if (atSign !== -1) valid = false;
      atSign = i;
    } else if (k === C_SPACE || unicodeSpaceAt(src, i, end)) {
      valid = false;
    }
  }
  return (valid && atSign > start && atSign < end - 1 ? EMAIL_VALID : 0) | EMAIL_NOT_ASCII;
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
