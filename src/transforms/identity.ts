/**
 * Normalise-and-hash rules for identities (DOMAIN.md "Identities"). Pure, worker-side.
 * Inputs are already trimmed with JavaScript's `trim()` and non-empty.
 */
import { hash } from 'node:crypto';

/** SHA-256 of the UTF-8 bytes of `text`, lowercase hex: the one-shot API, no Hash object. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** SHA-256 of bytes, lowercase hex. */
export function sha256HexOfBytes(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}

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
