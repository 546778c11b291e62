/**
 * Reads the value of one field for a transform: unquoted per the dialect, checked, and trimmed
 * as JavaScript's `trim()` would. ASCII values (the common case) are located in place so that
 * hashes and AES input can run on bytes; anything else becomes a string.
 */
import { isUtf8 } from 'node:buffer';
import type { Dialect } from './scan.js';
import { decodeField, hasEscapes } from './field-codec.js';
import { isAsciiSpace, latin1Slice } from '../../transforms/byte-buffers.js';
import { R_QUOTE, R_UTF8 } from '../../protocol/codes.js';
import { FIELD_ASCII, FIELD_NOT_ASCII, type FieldReader } from '../worker-format.js';

export class FieldDecoder implements FieldReader {
  /** After `asciiRange` returns ASCII: the trimmed value is `asciiSrc[asciiStart, asciiEnd)`. */
  asciiSrc: Buffer = Buffer.alloc(0);
  asciiStart = 0;
  asciiEnd = 0;

  private readonly dialect: Dialect;
  private decoded: Buffer = Buffer.allocUnsafeSlow(1 << 12);

  constructor(dialect: Dialect) {
    this.dialect = dialect;
  }

  /** Set by `locate`: the field's value before trimming, unquoted into scratch space if it was quoted. */
  private src: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  /**
   * For a field of ASCII bytes (a quote inside an unquoted field is one of them), finds the value trimmed as
   * JavaScript's `trim()` would (for ASCII: TAB, LF, VT, FF, CR, space) and returns FIELD_ASCII;
   * FIELD_NOT_ASCII when a byte is >= 0x80 (the string path handles it); or a reject reason.
   */
  asciiRange(buf: Buffer, fs: number, fe: number): number {
    if (!this.locate(buf, fs, fe)) return R_QUOTE;
    const src = this.src;
    let s = this.start;
    let e = this.end;
    for (let i = s; i < e; i++) if (src[i] >= 0x80) return FIELD_NOT_ASCII;
    while (s < e && isAsciiSpace(src[s])) s++;
    while (e > s && isAsciiSpace(src[e - 1])) e--;
    this.asciiSrc = src;
    this.asciiStart = s;
    this.asciiEnd = e;
    return FIELD_ASCII;
  }

  /**
   * Decodes a field to trimmed text, or returns a reject reason. ASCII is read as latin1, exact
   * for ASCII and cheaper than UTF-8.
   */
  decodeText(buf: Buffer, fs: number, fe: number): string | number {
    if (!this.locate(buf, fs, fe)) return R_QUOTE;
    const { src, start: s, end: e } = this;
    let ascii = true;
    for (let i = s; i < e; i++) {
      if (src[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return latin1Slice(src, s, e).trim();
    if (!isUtf8(src.subarray(s, e))) return R_UTF8;
    return src.toString('utf8', s, e).trim();
  }

  /** The untrimmed value, for the converting writer (FieldReader.decodeRaw). */
  decodeRaw(buf: Buffer, fs: number, fe: number): boolean {
    if (!this.locate(buf, fs, fe)) return false;
    this.rawSrc = this.src;
    this.rawStart = this.start;
    this.rawEnd = this.end;
    return true;
  }

  rawSrc: Buffer = Buffer.alloc(0);
  rawStart = 0;
  rawEnd = 0;

  /**
   * Points `src[start, end)` at the field's value: in place when it needs no decoding, else
   * unquoted or unescaped into scratch space. False for malformed quoting.
   */
  private locate(buf: Buffer, fs: number, fe: number): boolean {
    const quoted = fe > fs && buf[fs] === this.dialect.quote;
    if (!quoted && !hasEscapes(buf, fs, fe, this.dialect)) {
      this.src = buf;
      this.start = fs;
      this.end = fe;
      return true;
    }
    if (this.decoded.length < fe - fs) this.decoded = Buffer.allocUnsafeSlow(2 * (fe - fs));
    const n = decodeField(buf, fs, fe, this.dialect, this.decoded);
    if (n < 0) return false;
    this.src = this.decoded;
    this.start = 0;
    this.end = n;
    return true;
  }
}
