/**
 * encrypt and decrypt: AES-CBC/PKCS#7 with the key and IV `params.key` names, the ciphertext
 * as hex or base64 text (`params.encoding`). One batch per column and chunk: encryption after
 * the records are written (a ciphertext's length follows from the plaintext's, so its text is
 * reserved), decryption while the column is read (a plaintext's length is known only then, and a
 * bad ciphertext rejects its record).
 */
import { isUtf8 } from 'node:buffer';
import { AesCbcBatch, cbcCiphertextLength } from './aes-cbc.js';
import { Bytes, IntColumns, copyInto, latin1Slice } from './byte-buffers.js';
import { base64EncodedLength, base64EncodeInto, decodeBase64Strict, decodeHexStrict, hexEncodedLength, hexEncodeInto } from './encoding.js';
import { KIND_DECRYPTED, KIND_EMPTY, KIND_ENCRYPTED, R_CIPHER, R_EMAIL, R_PHONE } from '../protocol/codes.js';
import { FIELD_ASCII, type ValueWriter } from '../formats/worker-format.js';
import { columnText } from './column-text.js';
import { lowerEmailInto } from './identity.js';
import { createPhoneNormalizer, PHONE_INVALID, PHONE_NEEDS_COUNTRY, type PhoneOutcome } from './phone.js';
import type { OpParams } from '../protocol/messages.js';
import type { ChunkColumn, ColumnRunner, OpContext, OpDefinition } from './op.js';

function cipherOf(params: OpParams, ctx: OpContext): AesCbcBatch {
  const key = ctx.keys[params.key!];
  return new AesCbcBatch(key.key, key.iv);
}

/** Shared by both directions: the column's values of one chunk, back to back, and per record its value's number. */
abstract class AesColumn implements ColumnRunner {
  protected readonly cipher: AesCbcBatch;
  protected readonly hex: boolean;
  protected readonly input = new Bytes(1 << 16);
  /** Per value: start and end in `input`, then the record (decrypt) or the output slot (encrypt). */
  protected readonly items = new IntColumns(3);
  protected item = new Int32Array(256);
  protected kinds: Uint8Array = new Uint8Array(0);

  constructor(params: OpParams, ctx: OpContext) {
    this.cipher = cipherOf(params, ctx);
    this.hex = params.encoding !== 'base64';
  }

  read(col: ChunkColumn): void {
    if (this.item.length < col.count) this.item = new Int32Array(Math.max(col.count, 2 * this.item.length));
    this.kinds = col.kinds;
    this.input.used = 0;
    this.items.count = 0;
    this.readColumn(col);
  }

  protected abstract readColumn(col: ChunkColumn): void;

  /** Queues src[s, e) as record r's value; returns its number. */
  protected queue(r: number, src: Buffer, s: number, e: number, third: number): number {
    const input = this.input;
    const at = input.used;
    copyInto(input, src, s, e);
    this.items.push(at, input.used, third);
    this.item[r] = this.items.count - 1;
    return this.item[r];
  }

  abstract write(r: number, w: ValueWriter): void;
}

class EncryptColumn extends AesColumn {
  /** params.normalize: the plaintext is the trimmed value as it is, or read as an e-mail or a phone number first. */
  private readonly normalize: 'email' | 'phone' | undefined;
  private readonly phone: ((trimmed: string) => PhoneOutcome) | undefined;

  constructor(params: OpParams, ctx: OpContext) {
    super(params, ctx);
    this.normalize = params.normalize;
    this.phone = params.normalize === 'phone' ? createPhoneNormalizer(params.defaultCountry) : undefined;
  }

  protected readColumn(col: ChunkColumn): void {
    const { src, starts, ends, reasons, kinds, fields } = col;
    const normalize = this.normalize;
    for (let r = 0; r < col.count; r++) {
      if (reasons[r] !== -1) continue;
      const status = fields.asciiRange(src, starts[r], ends[r]);
      if (status === FIELD_ASCII) {
        const v = fields.asciiSrc;
        const s = fields.asciiStart;
        const e = fields.asciiEnd;
        if (e === s) kinds[r] = KIND_EMPTY;
        else if (normalize === undefined) {
          this.queue(r, v, s, e, -1);
          kinds[r] = KIND_ENCRYPTED;
        } else if (normalize === 'email') this.queueEmail(col, r, v, s, e);
        else this.queuePhone(col, r, latin1Slice(v, s, e));
        continue;
      }
      const text = columnText(col, r, status);
      if (text === undefined) continue;
      if (normalize === 'phone') {
        this.queuePhone(col, r, text);
        continue;
      }
      const utf8 = Buffer.from(text, 'utf8');
      if (normalize === 'email') {
        // The rule on the value's bytes; the plaintext is the lowercased text (as the index holds it).
        if (!lowerEmailInto(utf8, 0, utf8.length, utf8, 0)) {
          col.fail(r, R_EMAIL);
          continue;
        }
        const lower = Buffer.from(text.toLowerCase(), 'utf8');
        this.queue(r, lower, 0, lower.length, -1);
      } else {
        this.queue(r, utf8, 0, utf8.length, -1);
      }
      kinds[r] = KIND_ENCRYPTED;
    }
  }

  /** An ASCII address, lowercased as it is copied into the batch; an invalid one rejects the record and leaves nothing queued. */
  private queueEmail(col: ChunkColumn, r: number, v: Buffer, s: number, e: number): void {
    const input = this.input;
    input.ensure(e - s);
    const at = input.used;
    if (!lowerEmailInto(v, s, e, input.bytes, at)) {
      col.fail(r, R_EMAIL);
      return;
    }
    input.used = at + (e - s);
    this.items.push(at, input.used, -1);
    this.item[r] = this.items.count - 1;
    col.kinds[r] = KIND_ENCRYPTED;
  }

  /**
   * A phone number read as phone_sha256 reads it, in E.164 with its '+': the receiving side
   * decrypts and reads the number again, and only the '+' tells it the country code is there.
   */
  private queuePhone(col: ChunkColumn, r: number, text: string): void {
    const e164 = this.phone!(text);
    if (e164 === PHONE_INVALID || e164 === PHONE_NEEDS_COUNTRY) {
      if (e164 === PHONE_NEEDS_COUNTRY) col.notes.phonesNeedingCountry++;
      col.fail(r, R_PHONE);
      return;
    }
    const digits = Buffer.from(e164, 'latin1');
    this.queue(r, digits, 0, digits.length, -1);
    col.kinds[r] = KIND_ENCRYPTED;
  }

  write(r: number, w: ValueWriter): void {
    if (this.kinds[r] !== KIND_ENCRYPTED) return;
    const i = this.item[r];
    const [starts, ends, slots] = this.items.cols;
    const ct = cbcCiphertextLength(ends[i] - starts[i]);
    slots[i] = w.reserve(this.hex ? hexEncodedLength(ct) : base64EncodedLength(ct));
  }

  fill(out: Buffer): void {
    const n = this.items.count;
    if (n === 0) return;
    const [starts, ends, slots] = this.items.cols;
    const { bytes, offsets } = this.cipher.encrypt(this.input.bytes, starts, ends, n);
    for (let i = 0; i < n; i++) {
      // -1: the record was rejected by a later column and never written.
      if (slots[i] < 0) continue;
      if (this.hex) hexEncodeInto(bytes, offsets[i], offsets[i + 1], out, slots[i]);
      else base64EncodeInto(bytes, offsets[i], offsets[i + 1], out, slots[i]);
    }
  }
}

class DecryptColumn extends AesColumn {
  /** Per record: its plaintext's range in `plain`. */
  private plainStart = new Int32Array(256);
  private plainEnd = new Int32Array(256);
  private plain: Buffer = Buffer.alloc(0);

  protected readColumn(col: ChunkColumn): void {
    const { reasons, kinds } = col;
    for (let r = 0; r < col.count; r++) {
      if (reasons[r] !== -1) continue;
      const text = columnText(col, r);
      if (text === undefined) continue;
      const raw = this.decodeCiphertext(text);
      if (raw === null) col.fail(r, R_CIPHER);
      else this.queue(r, raw, 0, raw.length, r);
    }
    const n = this.items.count;
    if (n === 0) return;
    if (this.plainStart.length < col.count) {
      this.plainStart = new Int32Array(Math.max(col.count, 2 * this.plainStart.length));
      this.plainEnd = new Int32Array(this.plainStart.length);
    }
    const [vs, ve, records] = this.items.cols;
    const { bytes, offsets, ok } = this.cipher.decrypt(this.input.bytes, vs, ve, n);
    this.plain = bytes;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if (!ok[i] || !isUtf8(bytes.subarray(offsets[i], offsets[i + 1]))) col.fail(r, R_CIPHER);
      else {
        this.plainStart[r] = offsets[i];
        this.plainEnd[r] = offsets[i + 1];
        kinds[r] = KIND_DECRYPTED;
      }
    }
  }

  private decodeCiphertext(text: string): Buffer | null {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return null;
    const ascii = Buffer.from(text, 'latin1');
    return this.hex ? decodeHexStrict(ascii, 0, ascii.length) : decodeBase64Strict(ascii, 0, ascii.length);
  }

  write(r: number, w: ValueWriter): void {
    if (this.kinds[r] === KIND_DECRYPTED) w.value(this.plain, this.plainStart[r], this.plainEnd[r]);
  }
}

export const encrypt: OpDefinition = { length: 'before', needsKey: true, create: (params, ctx) => new EncryptColumn(params, ctx) };
export const decrypt: OpDefinition = { length: 'after', needsKey: true, create: (params, ctx) => new DecryptColumn(params, ctx) };
