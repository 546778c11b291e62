/**
 * The worker's AAM inbound record reader (`--from aam-inbound`): a line `<ID><TAB><tokens>` as
 * the fields id and traits, checked by every rule the writer keeps (./writer.ts), so that a file
 * made elsewhere can be checked before upload: a line with no TAB or more than one (`field_count`),
 * over 102,400 bytes (`line_too_long`), an empty ID (`missing_id`), an ID with `:` (`invalid_id`),
 * no token (`no_traits`), a token of none of AAM's shapes or an empty one (`invalid_trait`, naming
 * the traits column), bytes that are not UTF-8 (`invalid_utf8`), a CR that is not part of a CRLF
 * (`bad_line_end`). LF or CRLF line ends; an empty line is a blank line.
 */
import { isUtf8 } from 'node:buffer';
import { R_FIELD_COUNT, R_INVALID_ID, R_INVALID_TRAIT, R_LINE_END, R_LINE_TOO_LONG, R_MISSING_ID, R_NO_TRAITS, R_TOO_LARGE, R_UTF8 } from '../../protocol/codes.js';
import { CR, LF } from '../line-ends.js';
import type { RecordReader } from '../worker-format.js';
import { AAM_MAX_LINE_BYTES } from './writer.js';
import { tokenEnd, tokenShape, trimEnd, trimStart, TOKEN_INVALID } from './tokens.js';

const TAB = 0x09;
const COLON = 0x3a;

/** The columns an AAM inbound file's rows appear as. */
export const AAM_INBOUND_COLUMNS = ['id', 'traits'] as const;
export const TRAITS_FIELD = 1;

export class AamInboundReader implements RecordReader {
  readonly starts = new Int32Array(2);
  readonly ends = new Int32Array(2);
  recordEnd = 0;
  lineFeeds = 0;
  flawColumn = -1;
  private buf: Buffer = Buffer.alloc(0);
  private tabs = 0;
  private strayCr = false;
  private readonly maxRecordBytes: number;

  constructor(limits: { fieldCount: number; maxRecordBytes: number }) {
    this.maxRecordBytes = limits.maxRecordBytes;
  }

  blankLine(buf: Buffer, pos: number, length: number): number {
    const c = buf[pos];
    if (c === LF) return 1;
    return c === CR && pos + 1 < length && buf[pos + 1] === LF ? 2 : 0;
  }

  scan(buf: Buffer, pos: number, length: number): number {
    this.buf = buf;
    let lf = buf.indexOf(LF, pos);
    if (lf === -1 || lf >= length) lf = length;
    let end = lf;
    if (lf < length && end > pos && buf[end - 1] === CR) end--;
    this.recordEnd = end;
    this.lineFeeds = lf < length ? 1 : 0;
    const tab = buf.indexOf(TAB, pos);
    this.strayCr = this.nextCr(buf, pos) < end;
    if (tab === -1 || tab >= end) {
      this.tabs = 0;
      this.starts[0] = pos;
      this.ends[0] = end;
      this.starts[1] = end;
      this.ends[1] = end;
    } else {
      const second = buf.indexOf(TAB, tab + 1);
      this.tabs = second !== -1 && second < end ? 2 : 1;
      this.starts[0] = pos;
      this.ends[0] = tab;
      this.starts[1] = tab + 1;
      this.ends[1] = end;
    }
    return lf < length ? lf + 1 : length;
  }

  flaw(start: number): number {
    this.flawColumn = -1;
    const end = this.recordEnd;
    if (end - start > this.maxRecordBytes) return R_TOO_LARGE;
    if (end - start > AAM_MAX_LINE_BYTES) return R_LINE_TOO_LONG;
    if (this.strayCr) return R_LINE_END;
    if (this.tabs !== 1) return R_FIELD_COUNT;
    const b = this.buf;
    if (!asciiOrUtf8(b, start, end)) return R_UTF8;
    const is = this.starts[0];
    const ie = this.ends[0];
    if (is === ie) return this.about(0, R_MISSING_ID);
    for (let i = is; i < ie; i++) if (b[i] === COLON) return this.about(0, R_INVALID_ID);
    const ts = this.starts[1];
    const te = this.ends[1];
    if (trimStart(b, ts, te) === te) return this.about(TRAITS_FIELD, R_NO_TRAITS);
    let pos = ts;
    for (;;) {
      const e = tokenEnd(b, pos, te);
      if (e < 0) return this.about(TRAITS_FIELD, R_INVALID_TRAIT);
      const s = trimStart(b, pos, e);
      if (s === trimEnd(b, s, e) || tokenShape(b, s, e) === TOKEN_INVALID) return this.about(TRAITS_FIELD, R_INVALID_TRAIT);
      if (e === te) break;
      pos = e + 1;
    }
    return -1;
  }

  /** The next CR at or after `pos`, searched once per chunk (not once per line: a file without CRs would cost the square). */
  private nextCr(buf: Buffer, pos: number): number {
    if (buf !== this.crBuf || pos < this.crFrom || (this.crAt !== -1 && this.crAt < pos)) {
      this.crBuf = buf;
      this.crFrom = pos;
      this.crAt = buf.indexOf(CR, pos);
    }
    return this.crAt === -1 ? Infinity : this.crAt;
  }

  private crBuf: Buffer | undefined;
  private crFrom = 0;
  private crAt = -1;

  private about(field: number, reason: number): number {
    this.flawColumn = field;
    return reason;
  }
}

function asciiOrUtf8(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i] >= 0x80) return isUtf8(b.subarray(s, e));
  return true;
}
