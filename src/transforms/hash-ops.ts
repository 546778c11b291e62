/**
 * The plain hashing ops: sha256 (the trimmed value as it is), sha256_lc (lowercased) and
 * email_lc_sha256 (a valid address, lowercased; an already-hashed value passes through). ASCII
 * values (the common case) are lowercased and checked as they are copied into the chunk's batch,
 * with no string made; anything else is read as text.
 */
import { KIND_EMPTY, R_EMAIL } from '../protocol/codes.js';
import { FIELD_ASCII } from '../formats/worker-format.js';
import { columnText } from './column-text.js';
import { lowerEmailInto } from './identity.js';
import { HashedColumn } from './hashed-column.js';
import type { ChunkColumn, OpContext, OpDefinition } from './op.js';

const enum Mode {
  Plain,
  Lower,
  Email,
}

class HashColumn extends HashedColumn {
  constructor(
    ctx: OpContext,
    private readonly mode: Mode,
  ) {
    super(ctx.hashes);
  }

  protected readColumn(col: ChunkColumn): void {
    const { src, starts, ends, reasons, kinds, fields } = col;
    const hashes = this.hashes;
    const mode = this.mode;
    for (let r = 0; r < col.count; r++) {
      if (reasons[r] !== -1) continue;
      const status = fields.asciiRange(src, starts[r], ends[r]);
      if (status === FIELD_ASCII) {
        const v = fields.asciiSrc;
        const s = fields.asciiStart;
        const e = fields.asciiEnd;
        if (e === s) {
          kinds[r] = KIND_EMPTY;
          continue;
        }
        if (mode === Mode.Email && this.keepIfHashed(r, v, s, e)) continue;
        const at = hashes.begin(e - s);
        const dst = hashes.bytes;
        const shift = at - s;
        if (mode === Mode.Email) {
          if (!lowerEmailInto(v, s, e, dst, at)) {
            col.fail(r, R_EMAIL);
            continue;
          }
        } else if (mode === Mode.Plain) {
          for (let i = s; i < e; i++) dst[i + shift] = v[i];
        } else {
          for (let i = s; i < e; i++) {
            const c = v[i];
            dst[i + shift] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
          }
        }
        this.queued(r, hashes.commit(at, at + e - s));
        continue;
      }
      const text = columnText(col, r, status);
      if (text === undefined) continue;
      if (mode === Mode.Plain) {
        this.queued(r, hashes.addText(text));
        continue;
      }
      if (mode === Mode.Lower) {
        this.queued(r, hashes.addText(text.toLowerCase()));
        continue;
      }
      if (this.keepTextIfHashed(r, text)) continue;
      const utf8 = Buffer.from(text, 'utf8');
      // The rule on the value's bytes (lowercased in place: the text is what gets hashed).
      if (!lowerEmailInto(utf8, 0, utf8.length, utf8, 0)) {
        col.fail(r, R_EMAIL);
        continue;
      }
      this.queued(r, hashes.addText(text.toLowerCase()));
    }
  }
}

export const sha256: OpDefinition = { length: 'before', create: (_params, ctx) => new HashColumn(ctx, Mode.Plain) };
export const sha256Lc: OpDefinition = { length: 'before', create: (_params, ctx) => new HashColumn(ctx, Mode.Lower) };
export const emailSha256: OpDefinition = { length: 'before', create: (_params, ctx) => new HashColumn(ctx, Mode.Email) };
