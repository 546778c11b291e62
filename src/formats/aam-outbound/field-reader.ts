/**
 * An AAM outbound field's value for an op: its bytes as they are (the format has no quoting),
 * trimmed as JavaScript's `trim()` would; UTF-8 checked when a byte is not ASCII.
 */
import { isUtf8 } from 'node:buffer';
import { R_UTF8 } from '../../protocol/codes.js';
import { isAsciiSpace, latin1Slice } from '../../transforms/byte-buffers.js';
import { FIELD_ASCII, FIELD_NOT_ASCII, type FieldReader } from '../worker-format.js';

export class PlainFieldReader implements FieldReader {
  asciiSrc: Buffer = Buffer.alloc(0);
  asciiStart = 0;
  asciiEnd = 0;

  asciiRange(buf: Buffer, fs: number, fe: number): number {
    let s = fs;
    let e = fe;
    for (let i = s; i < e; i++) if (buf[i] >= 0x80) return FIELD_NOT_ASCII;
    while (s < e && isAsciiSpace(buf[s])) s++;
    while (e > s && isAsciiSpace(buf[e - 1])) e--;
    this.asciiSrc = buf;
    this.asciiStart = s;
    this.asciiEnd = e;
    return FIELD_ASCII;
  }

  decodeText(buf: Buffer, fs: number, fe: number): string | number {
    if (fe <= fs) return '';
    let ascii = true;
    for (let i = fs; i < fe; i++) {
      if (buf[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return latin1Slice(buf, fs, fe).trim();
    if (!isUtf8(buf.subarray(fs, fe))) return R_UTF8;
    return buf.toString('utf8', fs, fe).trim();
  }
}
