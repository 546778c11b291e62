/**
 * The matched form of a value (src/protocol/profile-index.ts FORM_*): one copy of the rule for
 * the profile's column when the index is built (main side) and for an incoming plaintext when
 * an AES ID is matched (worker side). Pure; imports only worker-side modules.
 *
 * A value is trimmed as JavaScript's `trim()` does. ASCII values (the common case) are read on
 * their bytes; anything else as UTF-8 text (invalid UTF-8 is an invalid key).
 */
import { isUtf8 } from 'node:buffer';
import { FORM_EMAIL, FORM_EXACT, FORM_LOWER, FORM_PHONE, FORM_PHONE_PLUS, FORM_PLAIN } from '../protocol/profile-index.js';
import { isAsciiSpace, latin1Slice } from '../transforms/byte-buffers.js';
import { EMAIL_NOT_ASCII, EMAIL_VALID, lowerEmailBits, lowerEmailInto } from '../transforms/identity.js';
import { createPhoneNormalizer, PHONE_INVALID, PHONE_NEEDS_COUNTRY, type PhoneOutcome } from '../transforms/phone.js';
import { createPhoneBytesPath, PHONE_BYTES_MAX, PHONE_BYTES_UNSURE } from '../transforms/phone-bytes.js';

export const KEY_OK = 0;
export const KEY_EMPTY = 1;
export const KEY_INVALID = 2;
export type KeyStatus = typeof KEY_OK | typeof KEY_EMPTY | typeof KEY_INVALID;
/** What KeyForms.writeAsciiInto returns for an invalid key and for a value it leaves to `write`. */
export const KEY_INVALID_AT = -1;
export const UNDECIDED = -2;
/** Room KeyForms.writeAsciiInto wants past the value's length (a phone's E.164 may be longer). */
export const ASCII_ROOM = PHONE_BYTES_MAX + 1;

/** Where a form is written: the project's Bytes, or an index arena in shared memory. */
export interface ByteSink {
  bytes: Buffer;
  used: number;
  ensure(extra: number): void;
}

/** A plus sign, ASCII or fullwidth, as the phone library reads one. */
const PLUS = /[+\uFF0B]/;

const isHexDigit = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

export class KeyForms {
  private phone: ((trimmed: string) => PhoneOutcome) | undefined;
  private phoneBytes: ((src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number) => number) | undefined;

  /** `defaultCountry`: the plan of national phone numbers (none: a number needs its country code). */
  constructor(private readonly defaultCountry: string | undefined) {}

  /**
   * Appends the `form` of the value src[start, end) to `out` and returns KEY_OK; or KEY_EMPTY
   * (nothing left once trimmed) or KEY_INVALID (not an address, not a phone number, not UTF-8),
   * `out` then unchanged.
   */
  write(form: number, src: Uint8Array, start: number, end: number, out: ByteSink): KeyStatus {
    let s = start;
    let e = end;
    let ascii = true;
    for (let i = s; i < e; i++) {
      if (src[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return this.writeText(form, src, s, e, out);
    while (s < e && isAsciiSpace(src[s])) s++;
    while (e > s && isAsciiSpace(src[e - 1])) e--;
    if (s === e) return KEY_EMPTY;
    const n = e - s;
    out.ensure(n);
    const dst = out.bytes;
    const at = out.used;
    switch (form) {
      case FORM_EMAIL:
        if (!lowerEmailInto(src, s, e, dst, at)) return KEY_INVALID;
        out.used = at + n;
        return KEY_OK;
      case FORM_PHONE:
      case FORM_PHONE_PLUS:
        // Without a default country an ASCII number with neither '+' nor a leading 00 has no plan
        // (writePhone's rule), told on the bytes: no string is made for most of a national table.
        if (this.defaultCountry === undefined && !(src[s] === 0x30 && e - s > 1 && src[s + 1] === 0x30) && !hasPlus(src, s, e)) return KEY_INVALID;
        return this.writePhone(form, latin1Slice(src as Buffer, s, e), out);
      case FORM_LOWER:
        lowerInto(src, s, e, dst, at);
        break;
      case FORM_PLAIN: {
        let hex = true;
        for (let i = s; i < e && hex; i++) hex = isHexDigit(src[i]);
        if (hex) lowerInto(src, s, e, dst, at);
        else copyInto(src, s, e, dst, at);
        break;
      }
      default:
        copyInto(src, s, e, dst, at);
    }
    out.used = at + n;
    return KEY_OK;
  }

  /**
   * `write` on a value already trimmed of ASCII spaces and not empty, straight into `dst` from
   * `at` (room for end - start + ASCII_ROOM bytes), for a caller that keeps its own queue: returns
   * the form's length, KEY_INVALID_AT, or UNDECIDED (a byte >= 0x80, or a phone number the byte
   * path does not read: `write` decides it). What it wrote past `at` is then garbage.
   */
  writeAsciiInto(form: number, src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
    switch (form) {
      case FORM_EMAIL: {
        const bits = lowerEmailBits(src, start, end, dst, at);
        return (bits & EMAIL_NOT_ASCII) !== 0 ? UNDECIDED : (bits & EMAIL_VALID) !== 0 ? end - start : KEY_INVALID_AT;
      }
      case FORM_PHONE:
      case FORM_PHONE_PLUS: {
        this.phoneBytes ??= createPhoneBytesPath(this.defaultCountry);
        const plus = form === FORM_PHONE_PLUS ? 1 : 0;
        const n = this.phoneBytes(src, start, end, dst, at + plus);
        if (n >= 0) {
          if (plus === 1) dst[at] = 0x2b;
          return plus + n;
        }
        // writePhone's outcomes: no plan (no default country) or no possible number is an invalid key.
        return n === PHONE_BYTES_UNSURE ? UNDECIDED : KEY_INVALID_AT;
      }
      case FORM_LOWER:
        return lowerInto(src, start, end, dst, at) < 0x80 ? end - start : UNDECIDED;
      case FORM_PLAIN: {
        let hex = true;
        for (let i = start; i < end && hex; i++) hex = isHexDigit(src[i]);
        return (hex ? lowerInto(src, start, end, dst, at) : copyInto(src, start, end, dst, at)) < 0x80 ? end - start : UNDECIDED;
      }
      default:
        return copyInto(src, start, end, dst, at) < 0x80 ? end - start : UNDECIDED;
    }
  }

  /** `write` for a value with a byte >= 0x80: read as UTF-8 text. */
  private writeText(form: number, src: Uint8Array, start: number, end: number, out: ByteSink): KeyStatus {
    const view = Buffer.from(src.buffer, src.byteOffset + start, end - start);
    if (!isUtf8(view)) return KEY_INVALID;
    const text = view.toString('utf8').trim();
    if (text === '') return KEY_EMPTY;
    if (form === FORM_PHONE || form === FORM_PHONE_PLUS) return this.writePhone(form, text, out);
    let value = text;
    if (form === FORM_EMAIL) {
      // The rule on the trimmed value's bytes; what is held is the lowercased text.
      const utf8 = Buffer.from(text, 'utf8');
      if (!lowerEmailInto(utf8, 0, utf8.length, utf8, 0)) return KEY_INVALID;
      value = text.toLowerCase();
    } else if (form === FORM_LOWER) {
      value = text.toLowerCase();
    }
    out.ensure(value.length * 3);
    out.used += out.bytes.write(value, out.used, 'utf8');
    return KEY_OK;
  }

  private writePhone(form: number, text: string, out: ByteSink): KeyStatus {
    // Without a default country only an international number (a '+', or the '00' prefix) has
    // a plan: the library would throw for any other (PHONE_NEEDS_COUNTRY), at a few microseconds
    // an exception, for what is most of the phones of a national table.
    if (this.defaultCountry === undefined && !PLUS.test(text) && !(text.charCodeAt(0) === 48 && text.charCodeAt(1) === 48)) return KEY_INVALID;
    this.phone ??= createPhoneNormalizer(this.defaultCountry);
    const e164 = this.phone(text);
    if (e164 === PHONE_INVALID || e164 === PHONE_NEEDS_COUNTRY) return KEY_INVALID;
    const digits = form === FORM_PHONE ? e164.slice(1) : e164;
    out.ensure(digits.length);
    out.used += out.bytes.write(digits, out.used, 'latin1');
    return KEY_OK;
  }
}

/** Returns the bytes OR-ed together (>= 0x80: not ASCII). */
function lowerInto(src: Uint8Array, s: number, e: number, dst: Uint8Array, at: number): number {
  let all = 0;
  for (let i = s; i < e; i++) {
    const c = src[i];
    all |= c;
    dst[at + i - s] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
  }
  return all;
}

/**
 * src[s, e) to dst at `at`: by hand for a short key (a subarray and a native copy cost more),
 * natively past 64 bytes. Returns the bytes OR-ed together (>= 0x80: not ASCII).
 */
function copyInto(src: Uint8Array, s: number, e: number, dst: Uint8Array, at: number): number {
  if (e - s > 64) {
    dst.set(src.subarray(s, e), at);
    for (let i = s; i < e; i++) if (src[i] >= 0x80) return 0x80;
    return 0;
  }
  let all = 0;
  for (let i = s; i < e; i++) {
    const c = src[i];
    all |= c;
    dst[at + i - s] = c;
  }
  return all;
}

function hasPlus(src: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (src[i] === 0x2b) return true;
  return false;
}
