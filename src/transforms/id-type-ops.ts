/**
 * `--id-type`: raw identities of the Campaign destination's seed identities, validated and
 * normalised (DOMAIN.md, Identities). ecid: exactly 38 digits; gaid and idfa: 8-4-4-4-12 hex
 * digits, written lowercase (GAID) or uppercase (IDFA); external_id: not empty, no TAB. The
 * value is trimmed first; a value that fails (an empty one too: a seed identity must be there)
 * rejects its record `invalid_id`. The output is known only once the value is read, so these
 * are 'after' ops: `read` checks and keeps each normalised value, `write` writes it.
 */
import { KIND_VALIDATED, R_INVALID_ID } from '../protocol/codes.js';
import { FIELD_ASCII, FIELD_NOT_ASCII, type ValueWriter } from '../formats/worker-format.js';
import { Bytes, copyInto } from './byte-buffers.js';
import type { ChunkColumn, ColumnRunner, OpDefinition } from './op.js';

const enum IdType {
  Ecid,
  Gaid,
  Idfa,
  ExternalId,
}

const ECID_DIGITS = 38;
/** 8-4-4-4-12: the dashes' positions in a 36-character device ID. */
const DEVICE_ID_LENGTH = 36;
const isDash = (i: number): boolean => i === 8 || i === 13 || i === 18 || i === 23;
const TAB = 0x09;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

class IdTypeColumn implements ColumnRunner {
  /** The chunk's normalised values, back to back; record r's is [valueStart[r], valueEnd[r]). */
  private readonly values = new Bytes(1 << 12);
  private valueStart = new Int32Array(256);
  private valueEnd = new Int32Array(256);
  private kinds: Uint8Array = new Uint8Array(0);

  constructor(private readonly type: IdType) {}

  read(col: ChunkColumn): void {
    if (this.valueStart.length < col.count) {
      this.valueStart = new Int32Array(Math.max(col.count, 2 * this.valueStart.length));
      this.valueEnd = new Int32Array(this.valueStart.length);
    }
    this.values.used = 0;
    this.kinds = col.kinds;
    const { src, starts, ends, reasons, kinds, fields } = col;
    for (let r = 0; r < col.count; r++) {
      if (reasons[r] !== -1) continue;
      const status = fields.asciiRange(src, starts[r], ends[r]);
      let ok: boolean;
      if (status === FIELD_ASCII) ok = this.take(r, fields.asciiSrc, fields.asciiStart, fields.asciiEnd);
      else if (status !== FIELD_NOT_ASCII) {
        col.fail(r, status);
        continue;
      } else {
        const text = fields.decodeText(src, starts[r], ends[r]);
        if (typeof text === 'number') {
          col.fail(r, text);
          continue;
        }
        const utf8 = Buffer.from(text, 'utf8');
        ok = this.take(r, utf8, 0, utf8.length);
      }
      if (ok) kinds[r] = KIND_VALIDATED;
      else col.fail(r, R_INVALID_ID);
    }
  }

  write(r: number, w: ValueWriter): void {
    if (this.kinds[r] === KIND_VALIDATED) w.value(this.values.bytes, this.valueStart[r], this.valueEnd[r]);
  }

  /** Checks the trimmed value v[s, e) and keeps it, normalised, as record r's; false when it is not of the type. */
  private take(r: number, v: Buffer, s: number, e: number): boolean {
    const n = e - s;
    const values = this.values;
    switch (this.type) {
      case IdType.Ecid:
        if (n !== ECID_DIGITS) return false;
        for (let i = s; i < e; i++) if (!isDigit(v[i])) return false;
        break;
      case IdType.Gaid:
      case IdType.Idfa:
        if (n !== DEVICE_ID_LENGTH) return false;
        for (let i = 0; i < n; i++) {
          const c = v[s + i];
          if (isDash(i) ? c !== 0x2d : !isHex(c)) return false;
        }
        break;
      case IdType.ExternalId:
        if (n === 0) return false;
        for (let i = s; i < e; i++) if (v[i] === TAB) return false;
        break;
    }
    const at = values.used;
    this.valueStart[r] = at;
    if (this.type === IdType.Gaid || this.type === IdType.Idfa) {
      values.ensure(n);
      const out = values.bytes;
      const upper = this.type === IdType.Idfa;
      for (let i = 0; i < n; i++) {
        const c = v[s + i];
        // Letters here are a-f / A-F: one bit tells the case.
        out[at + i] = c >= 0x41 ? (upper ? c & ~0x20 : c | 0x20) : c;
      }
      values.used = at + n;
    } else {
      copyInto(values, v, s, e);
    }
    this.valueEnd[r] = values.used;
    return true;
  }
}

const idType = (type: IdType): OpDefinition => ({ length: 'after', create: () => new IdTypeColumn(type) });

export const ecid = idType(IdType.Ecid);
export const gaid = idType(IdType.Gaid);
export const idfa = idType(IdType.Idfa);
export const externalId = idType(IdType.ExternalId);
