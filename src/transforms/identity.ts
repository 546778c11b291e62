/**
 * Identity rules on a value's bytes (DOMAIN.md "Identities"): which values are valid e-mail
 * addresses. Pure, worker-side, one copy of the rule for every path: the ASCII fast path checks
 * while it copies the value lowercased into the hash batch, a value read as text is checked on
 * its UTF-8 bytes. Already-hashed values are `isHex64` of encoding.ts. Values are trimmed with
 * JavaScript's `trim()` and non-empty.
 */

/**
 * Copies src[start, end) to dst[at, ...) with ASCII letters lowercased, and says whether it is a
 * valid address: exactly one `@` with something on both sides and no whitespace, whitespace being
 * JavaScript's `\s`: ASCII TAB, LF, VT, FF, CR and space, and in UTF-8 U+00A0, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 and U+FEFF. One pass: on the hot path.
 */
export function lowerEmailInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): boolean {
  let atSign = -1;
  const shift = at - start;
  let valid = true;
  for (let i = start; i < end; i++) {
    const c = src[i];
    // Most bytes are letters above '@': they take this branch and nothing else.
    if (c > 0x40 && c < 0x80) {
      dst[i + shift] = c <= 0x5a ? c | 0x20 : c;
      continue;
    }
    dst[i + shift] = c;
    if (c === 0x40) {
      if (atSign !== -1) valid = false;
      atSign = i;
    } else if (c <= 0x20) {
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) valid = false;
    } else if (c >= 0x80 && unicodeSpaceAt(src, i, end)) {
      valid = false;
    }
  }
  return valid && atSign > start && atSign < end - 1;
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
