/**
 * The layout of an AAM outbound row, `<ID><sep><segments><sep><removed segments>`: how the
 * worker's reader splits a line, and the column names the main side gives the rows. Imports
 * nothing but the line-end bytes.
 */
import { CR, LF } from '../line-ends.js';

/** The columns a row's fields appear as (the header of a CSV written from them). */
export const AAM_OUTBOUND_COLUMNS = ['id', 'segments', 'removed_segments'] as const;

/** `fieldSeparator` in FormatInit when fields are separated by runs of whitespace (the default layout). */
export const WHITESPACE_RUNS = -1;

const SPACE = 0x20;
const TAB = 0x09;

/** The whitespace of the default layout and of blank lines: space and TAB. */
export const isBlank = (c: number): boolean => c === SPACE || c === TAB;

/**
 * The end of the record at `pos` in buf[0, length): `end` before its line end (LF, or CRLF), and
 * `next` after it. A CR at the very end of the input (a CRLF cut by the end of the file's last
 * line) belongs to the line end too.
 */
export function lineAt(buf: Buffer, pos: number, length: number): { end: number; next: number } {
  let eol = buf.indexOf(LF, pos);
  if (eol === -1 || eol >= length) eol = length;
  const end = eol > pos && buf[eol - 1] === CR ? eol - 1 : eol;
  return { end, next: eol < length ? eol + 1 : length };
}

/**
 * Splits the record buf[pos, end) into fields: with WHITESPACE_RUNS, the maximal runs of
 * non-whitespace bytes (leading and trailing whitespace separate nothing, as awk reads a line);
 * with a separator byte, the bytes between each one (empty fields count). Field i is
 * [starts[i], ends[i]) for i below the arrays' length; fields past it are counted, not kept.
 * Returns the number of fields. The separator byte comes as a ByteFinder where records are split
 * one after the other in one buffer (the reader), so that a file without it is not searched to
 * its chunk's end once per line.
 */
export function splitFields(buf: Buffer, pos: number, end: number, separator: number | ByteFinder, starts: Int32Array, ends: Int32Array): number {
  const cap = starts.length;
  let nf = 0;
  if (separator !== WHITESPACE_RUNS) {
    const find = typeof separator === 'number' ? (from: number): number => buf.indexOf(separator, from) : (from: number): number => separator.find(buf, from);
    let fieldStart = pos;
    for (let i = find(pos); i !== -1 && i < end; i = find(i + 1)) {
      if (nf < cap) {
        starts[nf] = fieldStart;
        ends[nf] = i;
      }
      nf++;
      fieldStart = i + 1;
    }
    if (nf < cap) {
      starts[nf] = fieldStart;
      ends[nf] = end;
    }
    return nf + 1;
  }
  let i = pos;
  for (;;) {
    while (i < end && isBlank(buf[i])) i++;
    if (i >= end) return nf;
    const s = i;
    // Bytes above space are never blank: one compare for most of them.
    for (; i < end; i++) {
      const c = buf[i];
      if (c <= SPACE && (c === SPACE || c === TAB)) break;
    }
    if (nf < cap) {
      starts[nf] = s;
      ends[nf] = i;
    }
    nf++;
  }
}

/**
 * Finds the next `byte` in one buffer, remembering where it is: records split one after the other
 * search each stretch of the buffer once, even where the byte is rare or absent (a CR in an LF
 * file, a separator a file does not use).
 */
export class ByteFinder {
  private buf: Buffer | undefined;
  private from = 0;
  private at = -1;

  constructor(readonly byte: number) {}

  /** The position of the next `byte` at or after `from`, or -1. */
  find(buf: Buffer, from: number): number {
    if (buf !== this.buf || from < this.from || (this.at !== -1 && this.at < from)) {
      this.buf = buf;
      this.from = from;
      this.at = buf.indexOf(this.byte, from);
    }
    return this.at;
  }
}
