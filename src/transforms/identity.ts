/**
 * Identity rules on text values (DOMAIN.md "Identities"): which values are already hashed and
 * which are valid e-mail addresses. Pure, worker-side; the hashing itself is the chunk's batch
 * (sha256-batch.ts). Inputs are already trimmed with JavaScript's `trim()` and non-empty.
 */

/** Exactly 64 hexadecimal digits, any case: a value that is already a SHA-256. */
export function isSha256Hex(text: string): boolean {
  if (text.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false;
  }
  return true;
}

const WHITESPACE = /\s/;

/** Valid: exactly one `@` with text on both sides and no whitespace (JavaScript's `\s`). One pass. */
export function isValidEmail(trimmed: string): boolean {
  let at = -1;
  const n = trimmed.length;
  for (let i = 0; i < n; i++) {
    const c = trimmed.charCodeAt(i);
    if (c === 0x40) {
      if (at !== -1) return false;
      at = i;
    } else if (c <= 0x20) {
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return false;
    } else if (c >= 0x80 && WHITESPACE.test(trimmed[i])) {
      return false;
    }
  }
  return at > 0 && at < n - 1;
}
