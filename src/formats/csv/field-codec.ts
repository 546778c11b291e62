/**
 * One field's bytes to its value and back, per the dialect: unquoting and unescaping for reading,
 * quoting for writing a value that needs it. Pure, shared by the worker and the header reader.
 */
import { CR, LF } from '../line-ends.js';
import type { Dialect } from './scan.js';

/**
 * Decodes a raw field into `dst` (which must hold end - start bytes) and returns the decoded
 * length, or -1 when the quoting is malformed: a quoted field must be one quoted run; an
 * escape byte must escape something.
 */
export function decodeField(buf: Uint8Array, start: number, end: number, dialect: Dialect, dst: Uint8Array): number {
  const Q = dialect.quote;
  const E = dialect.escape;
  if (end > start && buf[start] === Q) {
    if (end - start < 2 || buf[end - 1] !== Q) return -1;
    let n = 0;
    const last = end - 1;
    if (E === Q) {
      for (let i = start + 1; i < last; i++) {
        const c = buf[i];
        if (c === Q) {
          if (i + 1 < last && buf[i + 1] === Q) i++;
          else return -1;
        }
        dst[n++] = c;
      }
    } else {
      for (let i = start + 1; i < last; i++) {
        let c = buf[i];
        if (c === E) {
          i++;
          if (i >= last) return -1;
          c = buf[i];
        } else if (c === Q) {
          return -1;
        }
        dst[n++] = c;
      }
    }
    return n;
  }
  if (E === Q) {
    for (let i = start; i < end; i++) dst[i - start] = buf[i];
    return end - start;
  }
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = buf[i];
    if (c === E) {
      i++;
      if (i >= end) return -1;
      c = buf[i];
    }
    dst[n++] = c;
  }
  return n;
}

/** True when an unquoted field must be unescaped before use (the backslash dialect). */
export function hasEscapes(buf: Uint8Array, start: number, end: number, dialect: Dialect): boolean {
  const E = dialect.escape;
  if (E === dialect.quote) return false;
  for (let i = start; i < end; i++) if (buf[i] === E) return true;
  return false;
}

/** True when a value must be quoted to be written as one field. */
export function needsQuoting(bytes: Uint8Array, start: number, end: number, dialect: Dialect): boolean {
  const { delimiter: D, quote: Q, escape: E } = dialect;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === D || c === Q || c === E || c === CR || c === LF) return true;
  }
  return false;
}

/** Writes `bytes[start, end)` as a quoted field at `dst[pos]`; returns the new position. `dst` must hold 2 * (end - start) + 2 bytes. */
export function writeQuoted(bytes: Uint8Array, start: number, end: number, dialect: Dialect, dst: Uint8Array, pos: number): number {
  const { quote: Q, escape: E } = dialect;
  dst[pos++] = Q;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === Q || (c === E && E !== Q)) dst[pos++] = E;
    dst[pos++] = c;
  }
  dst[pos++] = Q;
  return pos;
}
