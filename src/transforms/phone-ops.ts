/**
 * phone_sha256 and phone_sha256_e164: a phone number read to E.164 (phone.ts, with the op's
 * default country for national numbers), hashed without or with its '+'. An already-hashed value
 * passes through; a number that cannot be read rejects the record.
 */
import { KIND_EMPTY, R_PHONE } from '../protocol/codes.js';
import { FIELD_ASCII } from '../formats/worker-format.js';
import { columnText } from './column-text.js';
import { latin1Slice } from './byte-buffers.js';
import { createPhoneNormalizer, PHONE_INVALID, PHONE_NEEDS_COUNTRY, type PhoneOutcome } from './phone.js';
import { HashedColumn } from './hashed-column.js';
import type { OpParams } from '../protocol/messages.js';
import type { ChunkColumn, OpContext, OpDefinition } from './op.js';

class PhoneColumn extends HashedColumn {
  private readonly normalize: (trimmed: string) => PhoneOutcome;

  constructor(
    params: OpParams,
    ctx: OpContext,
    private readonly withPlus: boolean,
  ) {
    super(ctx.hashes);
    this.normalize = createPhoneNormalizer(params.defaultCountry);
  }

  protected readColumn(col: ChunkColumn): void {
    const { src, starts, ends, reasons, kinds, fields } = col;
    for (let r = 0; r < col.count; r++) {
      if (reasons[r] !== -1) continue;
      const status = fields.asciiRange(src, starts[r], ends[r]);
      let text: string | undefined;
      if (status === FIELD_ASCII) {
        const v = fields.asciiSrc;
        if (this.keepIfHashed(r, v, fields.asciiStart, fields.asciiEnd)) continue;
        text = latin1Slice(v, fields.asciiStart, fields.asciiEnd);
        if (text.length === 0) {
          kinds[r] = KIND_EMPTY;
          continue;
        }
      } else {
        text = columnText(col, r, status);
        if (text === undefined || this.keepTextIfHashed(r, text)) continue;
      }
      const e164 = this.normalize(text);
      if (e164 === PHONE_INVALID || e164 === PHONE_NEEDS_COUNTRY) {
        if (e164 === PHONE_NEEDS_COUNTRY) col.notes.phonesNeedingCountry++;
        col.fail(r, R_PHONE);
        continue;
      }
      this.queued(r, this.hashes.addLatin1(this.withPlus ? e164 : e164.slice(1)));
    }
  }
}

export const phoneSha256: OpDefinition = { length: 'before', create: (params, ctx) => new PhoneColumn(params, ctx, false) };
export const phoneSha256E164: OpDefinition = { length: 'before', create: (params, ctx) => new PhoneColumn(params, ctx, true) };
