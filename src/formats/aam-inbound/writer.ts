/**
 * The AAM inbound writer (`--to aam-inbound`): per record one line `<ID><TAB><token>,<token>,...`
 * and LF, no header, UTF-8 (DOMAIN.md "AAM inbound files"). Tokens: the `--trait` constants in
 * flag order, then each ID of the traits column as `d_sid=<id>`, of the removed-traits column as
 * `d_unsid=<id>`, then each `--signal` column as `"<column>"="<value>"` (left out where the value
 * is empty). Values are trimmed. A record is refused, never written, when its ID is empty
 * (`missing_id`) or holds a TAB, `:`, CR or LF (`invalid_id`), when it has no token at all
 * (`no_traits`), when its line is over 102,400 bytes without the LF (`line_too_long`), when a
 * list item is neither a trait ID nor (traits column) a token of AAM's shapes, or a signal value
 * holds a quote, TAB, CR or LF (`invalid_trait`), or when a value is not UTF-8 (`invalid_utf8`).
 */
import { isUtf8 } from 'node:buffer';
import { R_INVALID_ID, R_INVALID_TRAIT, R_LINE_TOO_LONG, R_MISSING_ID, R_NO_TRAITS, R_QUOTE, R_UTF8 } from '../../protocol/codes.js';
import type { AamInboundPlan, OutputPlan } from '../../protocol/messages.js';
import { RunError } from '../../errors/errors.js';
import { RowWriterBase, type RowFields } from '../row-writer.js';
import { LF } from '../line-ends.js';
import { isTraitId, tokenEnd, tokenShape, trimEnd, trimStart, TOKEN_INVALID, TOKEN_REMOVE } from './tokens.js';
import { isAsciiSpace } from '../../transforms/byte-buffers.js';

/** AAM's limit of one line, in bytes, its LF not counted. */
export const AAM_MAX_LINE_BYTES = 102_400;

const TAB = 0x09;
const CR = 0x0d;
const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;

const SID = Buffer.from('d_sid=');
const UNSID = Buffer.from('d_unsid=');

export class AamInboundWriter extends RowWriterBase {
  readonly trims = true;
  private readonly aam: AamInboundPlan;
  private readonly traits: Buffer[];
  /** Per signal: `"<name>"="`. */
  private readonly signalStarts: Buffer[];
  private tokens = 0;

  constructor(plan: OutputPlan) {
    super();
    if (!plan.aam) throw new RunError('ERR_INTERNAL', 'an aam-inbound output plan needs its aam part');
    this.aam = plan.aam;
    this.traits = plan.aam.traits.map((t) => Buffer.from(t.trim(), 'utf8'));
    this.signalStarts = plan.aam.signals.map((s) => Buffer.from(`"${s.name}"="`, 'utf8'));
  }

  write(f: RowFields): number {
    const out = this.out;
    const mark = out.used;
    const aam = this.aam;
    const id = this.writeId(f);
    if (id !== -1) return this.refuse(id, aam.id);
    out.ensure(1);
    out.bytes[out.used++] = TAB;
    this.tokens = 0;
    for (const t of this.traits) {
      this.separator();
      this.raw(t, 0, t.length);
    }
    if (aam.traitsColumn !== undefined) {
      const why = this.list(f, aam.traitsColumn, false);
      if (why !== -1) return this.refuse(why, aam.traitsColumn);
    }
    if (aam.removedTraitsColumn !== undefined) {
      const why = this.list(f, aam.removedTraitsColumn, true);
      if (why !== -1) return this.refuse(why, aam.removedTraitsColumn);
    }
    for (let i = 0; i < aam.signals.length; i++) {
      const why = this.signal(f, aam.signals[i].index, this.signalStarts[i]);
      if (why !== -1) return this.refuse(why, aam.signals[i].index);
    }
    if (this.tokens === 0) return this.refuse(R_NO_TRAITS, -1);
    if (out.used - mark > AAM_MAX_LINE_BYTES) return this.refuse(R_LINE_TOO_LONG, -1);
    out.ensure(1);
    out.bytes[out.used++] = LF;
    return -1;
  }

  protected encode(bytes: Buffer, start: number, end: number): void {
    this.raw(bytes, start, end);
  }

  private refuse(reason: number, field: number): number {
    this.rejectField = field;
    return reason;
  }

  private separator(): void {
    if (this.tokens++ > 0) {
      this.out.ensure(1);
      this.out.bytes[this.out.used++] = COMMA;
    }
  }

  /** The ID: its op's value, or the field trimmed; -1 or a reject reason. */
  private writeId(f: RowFields): number {
    const index = this.aam.id;
    const out = this.out;
    if (f.hasOp(index)) {
      const before = out.used;
      this.reserved = false;
      f.writeOp(index, this);
      if (out.used === before) return R_MISSING_ID;
      // A reserved slot is hex or base64 (filled later): only bytes written now are looked at.
      return this.reserved ? -1 : idFlaw(out.bytes, before, out.used);
    }
    if (!f.decode(index)) return R_QUOTE;
    const { src } = f;
    let s = f.start;
    let e = f.end;
    while (s < e && isAsciiSpace(src[s])) s++;
    while (e > s && isAsciiSpace(src[e - 1])) e--;
    if (s === e) return R_MISSING_ID;
    const flaw = idFlaw(src, s, e);
    if (flaw === -1) this.raw(src, s, e);
    return flaw;
  }

  /** A list column's items: trait IDs with their prefix, or (traits column) tokens as they are. */
  private list(f: RowFields, index: number, removed: boolean): number {
    if (!f.decode(index)) return R_QUOTE;
    const { src, start, end } = f;
    let pos = start;
    while (pos < end) {
      const te = tokenEnd(src, pos, end);
      if (te < 0) return R_INVALID_TRAIT;
      const s = trimStart(src, pos, te);
      const e = trimEnd(src, s, te);
      pos = te + 1;
      if (s === e) continue;
      if (isTraitId(src, s, e)) {
        this.separator();
        const prefix = removed ? UNSID : SID;
        this.raw(prefix, 0, prefix.length);
        this.raw(src, s, e);
        continue;
      }
      const shape = tokenShape(src, s, e);
      if (shape === TOKEN_INVALID || (removed && shape !== TOKEN_REMOVE)) return R_INVALID_TRAIT;
      if (!isUtf8Range(src, s, e)) return R_UTF8;
      this.separator();
      this.raw(src, s, e);
    }
    return -1;
  }

  /** A signal: `"<name>"="<value>"`, or nothing for an empty value. */
  private signal(f: RowFields, index: number, start: Buffer): number {
    const out = this.out;
    if (f.hasOp(index)) {
      const mark = out.used;
      const tokens = this.tokens;
      this.separator();
      this.raw(start, 0, start.length);
      const before = out.used;
      this.reserved = false;
      f.writeOp(index, this);
      if (out.used === before) {
        // Nothing was reserved or written: the token is taken back.
        out.used = mark;
        this.tokens = tokens;
        return -1;
      }
      if (!this.reserved && !signalValueOk(out.bytes, before, out.used)) return R_INVALID_TRAIT;
    } else {
      if (!f.decode(index)) return R_QUOTE;
      const { src } = f;
      let s = f.start;
      let e = f.end;
      while (s < e && isAsciiSpace(src[s])) s++;
      while (e > s && isAsciiSpace(src[e - 1])) e--;
      if (s === e) return -1;
      if (!signalValueOk(src, s, e)) return R_INVALID_TRAIT;
      if (!isUtf8Range(src, s, e)) return R_UTF8;
      this.separator();
      this.raw(start, 0, start.length);
      this.raw(src, s, e);
    }
    out.ensure(1);
    out.bytes[out.used++] = QUOTE;
    return -1;
  }
}

/** -1 for a usable ID, else why not: a TAB, `:`, CR or LF inside, or bytes that are not UTF-8. */
function idFlaw(b: Uint8Array, s: number, e: number): number {
  let ascii = true;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === TAB || c === COLON || c === CR || c === LF) return R_INVALID_ID;
    if (c >= 0x80) ascii = false;
  }
  return ascii || isUtf8Range(b, s, e) ? -1 : R_UTF8;
}

function signalValueOk(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === QUOTE || c === TAB || c === CR || c === LF) return false;
  }
  return true;
}

function isUtf8Range(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i] >= 0x80) return isUtf8(b.subarray(s, e));
  return true;
}

export const aamInboundRowWriter = (plan: OutputPlan): AamInboundWriter => new AamInboundWriter(plan);
