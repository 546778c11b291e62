/**
 * Hot-path text encodings that write into / read from byte buffers (worker-side, pure).
 *
 * Everything here works on byte ranges `[start, end)` of a Uint8Array so that a chunk of
 * CSV bytes can be transformed without creating JS strings per value. Encoders return the new
 * write position; strict decoders reject anything that is not exactly the canonical text
 * (Node's own decoders silently skip bad characters, which would let a mangled ciphertext or
 * hash through as a different value).
 */
import { RunError } from '../errors/errors.js';

const HEX_LOWER = asciiBytes('0123456789abcdef');
const B64_ALPHABET = asciiBytes(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
);
const EQ = 0x3d; // '='

/** byte -> high/low lowercase hex digit (two 256-entry tables beat shifting per nibble). */
const HEX_HI = new Uint8Array(256);
const HEX_LO = new Uint8Array(256);
/** byte -> nibble value, or -1 when the byte is not a hex digit (either case). */
const HEX_VAL = new Int8Array(256).fill(-1);
/** byte -> 6-bit value, or -1 when not in the standard base64 alphabet ('=' is -1 too). */
const B64_VAL = new Int8Array(256).fill(-1);

for (let b = 0; b < 256; b++) {
  HEX_HI[b] = HEX_LOWER[b >>> 4];
  HEX_LO[b] = HEX_LOWER[b & 15];
}
for (let v = 0; v < 16; v++) {
  HEX_VAL[HEX_LOWER[v]] = v;
  HEX_VAL['0123456789ABCDEF'.charCodeAt(v)] = v;
}
for (let v = 0; v < 64; v++) B64_VAL[B64_ALPHABET[v]] = v;

/**
 * Two hex digits (either case) read as one little-endian 16-bit word, the first in the low byte:
 * the byte they make, or -1 (HEX_VAL's digits, a pair at a look-up: IdMatcher.decodeHex). 128 KiB,
 * of which the digits' pairs touch ~4 KiB.
 */
export const HEX_PAIRS = new Int16Array(65536).fill(-1);
for (let a = 0; a < 256; a++) {
  if (HEX_VAL[a] < 0) continue;
  for (let b = 0; b < 256; b++) if (HEX_VAL[b] >= 0) HEX_PAIRS[a | (b << 8)] = (HEX_VAL[a] << 4) | HEX_VAL[b];
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function checkRange(src: Uint8Array, start: number, end: number): void {
  if (!(start >= 0 && end >= start && end <= src.length)) {
    throw new RunError('ERR_INTERNAL', `byte range [${start}, ${end}) outside a buffer of ${src.length} bytes`);
  }
}

function checkRoom(dst: Uint8Array, pos: number, need: number): void {
  if (!(pos >= 0 && pos + need <= dst.length)) {
    throw new RunError('ERR_INTERNAL', `destination too small: need ${need} bytes at ${pos}, have ${dst.length}`);
  }
}

/** Length of the hex text of `n` bytes. */
export function hexEncodedLength(n: number): number {
  return n * 2;
}

/** Length of the padded base64 text of `n` bytes. */
export function base64EncodedLength(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/**
 * Writes `src[start, end)` as lowercase hex at `dst[pos]`; returns the position after it.
 * Throws RangeError when the range is invalid or `dst` has no room (never writes partially).
 */
export function hexEncodeInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  pos: number,
): number {
  checkRange(src, start, end);
  checkRoom(dst, pos, (end - start) * 2);
  let p = pos;
  for (let i = start; i < end; i++) {
    const b = src[i];
    dst[p] = HEX_HI[b];
    dst[p + 1] = HEX_LO[b];
    p += 2;
  }
  return p;
}

/**
 * Writes `src[start, end)` as standard padded base64 at `dst[pos]`; returns the new position.
 * A lookup-table loop: for the short values of this domain (16-64 bytes of ciphertext) it is
 * faster than `toString('base64')` plus a copy, which pays for a string per value.
 */
export function base64EncodeInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  pos: number,
): number {
  checkRange(src, start, end);
  const n = end - start;
  checkRoom(dst, pos, base64EncodedLength(n));
  const A = B64_ALPHABET;
  let p = pos;
  let i = start;
  const full = start + n - (n % 3);
  for (; i < full; i += 3) {
    const v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2];
    dst[p] = A[v >>> 18];
    dst[p + 1] = A[(v >>> 12) & 63];
    dst[p + 2] = A[(v >>> 6) & 63];
    dst[p + 3] = A[v & 63];
    p += 4;
  }
  const rest = end - i;
  if (rest === 1) {
    const v = src[i];
    dst[p] = A[v >>> 2];
    dst[p + 1] = A[(v & 3) << 4];
    dst[p + 2] = EQ;
    dst[p + 3] = EQ;
    p += 4;
  } else if (rest === 2) {
    const v = (src[i] << 8) | src[i + 1];
    dst[p] = A[v >>> 10];
    dst[p + 1] = A[(v >>> 4) & 63];
    dst[p + 2] = A[(v & 15) << 2];
    dst[p + 3] = EQ;
    p += 4;
  }
  return p;
}

/**
 * Decodes hex text `src[start, end)` (either case) into `dst[pos]`; returns the new position,
 * or -1 when the text is not strictly hex (odd length or any non-hex byte). On -1 the bytes of
 * `dst` after `pos` are unspecified. Throws RangeError when `dst` cannot hold the result.
 */
export function decodeHexStrictInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  pos: number,
): number {
  checkRange(src, start, end);
  const n = end - start;
  if ((n & 1) !== 0) return -1;
  checkRoom(dst, pos, n >>> 1);
  const T = HEX_VAL;
  let p = pos;
  for (let i = start; i < end; i += 2) {
    const hi = T[src[i]];
    const lo = T[src[i + 1]];
    if ((hi | lo) < 0) return -1;
    dst[p++] = (hi << 4) | lo;
  }
  return p;
}

/** Strict hex decode (see decodeHexStrictInto) into a new Buffer; null when invalid. */
export function decodeHexStrict(src: Uint8Array, start: number, end: number): Buffer | null {
  checkRange(src, start, end);
  if (((end - start) & 1) !== 0) return null;
  const out = Buffer.allocUnsafe((end - start) >>> 1);
  return decodeHexStrictInto(src, start, end, out, 0) < 0 ? null : out;
}

/** Upper bound of the decoded size of `n` characters of base64. */
export function base64DecodedMaxLength(n: number): number {
  return Math.floor(n / 4) * 3;
}

/**
 * Decodes standard base64 `src[start, end)` into `dst[pos]`; returns the new position or -1.
 * Accepted: length a multiple of 4 (0 allowed), only `A-Za-z0-9+/`, `=` only as the last one
 * or two characters of the text, and canonical (the unused bits before the padding are zero).
 * Rejected (-1): whitespace, URL-safe `-_`, missing/extra/misplaced padding, any other byte.
 * On -1 the bytes of `dst` after `pos` are unspecified. Throws RangeError when `dst` is too small.
 */
export function decodeBase64StrictInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  pos: number,
): number {
  checkRange(src, start, end);
  const n = end - start;
  if ((n & 3) !== 0) return -1;
  if (n === 0) return pos;
  let pad = 0;
  if (src[end - 1] === EQ) pad = src[end - 2] === EQ ? 2 : 1;
  checkRoom(dst, pos, (n >>> 2) * 3 - pad);
  const T = B64_VAL;
  let p = pos;
  const fullEnd = end - 4; // the last quantum is handled apart (it may carry padding)
  for (let i = start; i < fullEnd; i += 4) {
    const a = T[src[i]];
    const b = T[src[i + 1]];
    const c = T[src[i + 2]];
    const d = T[src[i + 3]];
    if ((a | b | c | d) < 0) return -1;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    dst[p] = v >>> 16;
    dst[p + 1] = (v >>> 8) & 255;
    dst[p + 2] = v & 255;
    p += 3;
  }
  const a = T[src[fullEnd]];
  const b = T[src[fullEnd + 1]];
  if ((a | b) < 0) return -1;
  if (pad === 2) {
    if ((b & 15) !== 0) return -1; // non-canonical: 4 unused bits must be zero
    dst[p++] = (a << 2) | (b >>> 4);
    return p;
  }
  const c = T[src[fullEnd + 2]];
  if (c < 0) return -1;
  if (pad === 1) {
    if ((c & 3) !== 0) return -1; // non-canonical: 2 unused bits must be zero
    const v = (a << 12) | (b << 6) | c;
    dst[p] = v >>> 10;
    dst[p + 1] = (v >>> 2) & 255;
    return p + 2;
  }
  const d = T[src[fullEnd + 3]];
  if (d < 0) return -1;
  const v = (a << 18) | (b << 12) | (c << 6) | d;
  dst[p] = v >>> 16;
  dst[p + 1] = (v >>> 8) & 255;
  dst[p + 2] = v & 255;
  return p + 3;
}

/** Strict base64 decode (see decodeBase64StrictInto) into a new Buffer; null when invalid. */
export function decodeBase64Strict(src: Uint8Array, start: number, end: number): Buffer | null {
  checkRange(src, start, end);
  const n = end - start;
  if ((n & 3) !== 0) return null;
  const out = Buffer.allocUnsafe(base64DecodedMaxLength(n));
  const p = decodeBase64StrictInto(src, start, end, out, 0);
  if (p < 0) return null;
  return p === out.length ? out : out.subarray(0, p);
}

/** True when `src[start, end)` is exactly 64 hex digits (either case): an already-hashed SHA-256. */
export function isHex64(src: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 64 || start < 0 || end > src.length) return false;
  const T = HEX_VAL;
  for (let i = start; i < end; i++) {
    if (T[src[i]] < 0) return false;
  }
  return true;
}

/**
 * Copies `src[start, end)` to `dst[pos]` lowercasing ASCII `A-Z` (other bytes, including
 * UTF-8 multi-byte sequences, are copied unchanged); returns the new position. Used to pass
 * through already-hashed values as canonical lowercase hex.
 */
export function writeLowerAsciiInto(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  pos: number,
): number {
  checkRange(src, start, end);
  checkRoom(dst, pos, end - start);
  let p = pos;
  for (let i = start; i < end; i++) {
    const b = src[i];
    dst[p++] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
  }
  return p;
}
