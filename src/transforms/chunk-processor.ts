/**
 * The worker's hot path: one record-aligned chunk of CSV bytes in, output bytes, rejects and
 * counters out. Pure and synchronous; the Piscina entry (src/pool/worker.ts) is a thin adapter.
 *
 * Three passes over a chunk, so that AES can run chunk-wide:
 *  1. scan: frame records, check field counts and sizes, note the transformed fields' ranges;
 *  2. transform, column by column: decode only the transformed fields, hash them or batch them
 *     through the cipher, keep the results in one value buffer per column;
 *  3. emit: copy each accepted record's bytes, splicing in the transformed values.
 * Untouched fields are copied as bytes and never decoded.
 */
import { isUtf8 } from 'node:buffer';
import { AesCbcBatch } from './aes-cbc.js';
import { RecordScanner, decodeField, needsQuoting, writeQuoted, LF, CR, type Dialect } from './csv-scan.js';
import { base64EncodeInto, decodeBase64Strict, decodeHexStrict, hexEncodeInto } from './encoding.js';
import { isSha256Hex, isValidEmail, sha256Hex } from './identity.js';
import { createPhoneNormalizer, PHONE_INVALID, PHONE_NEEDS_COUNTRY, type PhoneOutcome } from './phone.js';
import { COLUMN_COUNTERS, Op, REJECT_REASONS, type ChunkResult, type ColumnOp, type RejectReason, type WorkerInit } from '../pool/messages.js';

const KIND_HASHED = COLUMN_COUNTERS.indexOf('hashed');
const KIND_ALREADY_HASHED = COLUMN_COUNTERS.indexOf('alreadyHashed');
const KIND_EMPTY = COLUMN_COUNTERS.indexOf('empty');
const KIND_INVALID = COLUMN_COUNTERS.indexOf('invalid');
const KIND_ENCRYPTED = COLUMN_COUNTERS.indexOf('encrypted');
const KIND_DECRYPTED = COLUMN_COUNTERS.indexOf('decrypted');
const NOT_REJECTED = 0x7fffffff;

const reasonCode = (r: RejectReason): number => REJECT_REASONS.indexOf(r);
const R_FIELD_COUNT = reasonCode('field_count');
const R_TOO_LARGE = reasonCode('record_too_large');
const R_UTF8 = reasonCode('invalid_utf8');
const R_EMAIL = reasonCode('invalid_email');
const R_PHONE = reasonCode('invalid_phone');
const R_CIPHER = reasonCode('bad_ciphertext');
const R_QUOTE = reasonCode('bad_quote');

/** A growable byte buffer that values of one column are appended to. */
class ValueBuffer {
  bytes: Buffer = Buffer.allocUnsafeSlow(1 << 16);
  used = 0;
  ensure(extra: number): void {
    if (this.used + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.used + extra) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.bytes.copy(next, 0, 0, this.used);
    this.bytes = next;
  }
  appendLatin1(text: string): void {
    this.ensure(text.length);
    this.used += latin1Write(this.bytes, text, this.used);
  }
  appendBytes(src: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    this.bytes.set(src.subarray(start, end), this.used);
    this.used += end - start;
  }
}

/**
 * Buffer's own latin1 codecs, without `toString`/`write`'s argument handling: they are on the
 * hot path once per transformed value. Both are public methods of Buffer.prototype in Node.
 */
type FastBuffer = Buffer & { latin1Slice(start: number, end: number): string; latin1Write(text: string, offset: number): number };
const latin1Slice = (b: Buffer, start: number, end: number): string => (b as FastBuffer).latin1Slice(start, end);
const latin1Write = (b: Buffer, text: string, offset: number): number => (b as FastBuffer).latin1Write(text, offset);

function grow(a: Int32Array, n: number): Int32Array {
  if (a.length >= n) return a;
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

export class ChunkProcessor {
  private readonly init: WorkerInit;
  private readonly dialect: Dialect;
  private readonly columns: readonly ColumnOp[];
  private readonly scanner: RecordScanner;
  private readonly normalizePhone: ((trimmed: string) => PhoneOutcome) | undefined;
  private readonly cipher: AesCbcBatch | undefined;

  // Per-chunk scratch, reused across chunks and grown on demand.
  private recStart: Int32Array = new Int32Array(4096);
  private recEnd: Int32Array = new Int32Array(4096);
  private recLine: Int32Array = new Int32Array(4096);
  /** First failing column's position in `columns`, NOT_REJECTED, or -1 for record-level reasons. */
  private rejectAt: Int32Array = new Int32Array(4096);
  private rejectReason: Uint8Array = new Uint8Array(4096);
  /** Per record and transformed column: the field's raw range, then the value's range in its column buffer. */
  private fieldStart: Int32Array;
  private fieldEnd: Int32Array;
  private valueStart: Int32Array;
  private valueEnd: Int32Array;
  private kinds: Uint8Array;
  private readonly values: ValueBuffer[];
  private decoded = Buffer.allocUnsafeSlow(1 << 16);
  private batchIn = new ValueBuffer();
  private batchStarts: Int32Array = new Int32Array(4096);
  private batchEnds: Int32Array = new Int32Array(4096);
  private batchRecords: Int32Array = new Int32Array(4096);

  constructor(init: WorkerInit) {
    this.init = init;
    this.dialect = { delimiter: init.delimiter, quote: init.quote, escape: init.escape };
    this.columns = [...init.columns].sort((a, b) => a.index - b.index);
    this.scanner = new RecordScanner(this.dialect, init.fieldCount + 1);
    this.values = this.columns.map(() => new ValueBuffer());
    const slots = 4096 * Math.max(1, this.columns.length);
    this.fieldStart = new Int32Array(slots);
    this.fieldEnd = new Int32Array(slots);
    this.valueStart = new Int32Array(slots);
    this.valueEnd = new Int32Array(slots);
    this.kinds = new Uint8Array(slots);
    const usesPhone = this.columns.some((c) => c.op === Op.PhoneSha256 || c.op === Op.PhoneSha256E164);
    this.normalizePhone = usesPhone ? createPhoneNormalizer(init.defaultCountry) : undefined;
    const usesAes = this.columns.some((c) => c.op === Op.Encrypt || c.op === Op.Decrypt);
    this.cipher = usesAes && init.aesKey && init.aesIv ? new AesCbcBatch(init.aesKey, init.aesIv) : undefined;
    if (usesAes && !this.cipher) throw new Error('an AES transform needs a key and an IV');
  }

  process(input: Uint8Array, length: number): ChunkResult {
    const buf = Buffer.from(input.buffer, input.byteOffset, length);
    const ncols = this.columns.length;
    const counts = new Float64Array(ncols * COLUMN_COUNTERS.length);
    let phonesNeedingCountry = 0;

    // Pass 1: frame records.
    const fieldCount = this.init.fieldCount;
    const maxRecordBytes = this.init.maxRecordBytes;
    const scanner = this.scanner;
    let records = 0;
    let blankLines = 0;
    let lineFeeds = 0;
    let pos = 0;
    while (pos < length) {
      const c = buf[pos];
      if (c === LF) {
        blankLines++;
        lineFeeds++;
        pos++;
        continue;
      }
      if (c === CR && pos + 1 < length && buf[pos + 1] === LF) {
        blankLines++;
        lineFeeds++;
        pos += 2;
        continue;
      }
      const r = records++;
      if (r >= this.recStart.length) this.growRecords(r + 1);
      let next = scanner.scan(buf, pos, length);
      this.recStart[r] = pos;
      this.recEnd[r] = scanner.recordEnd;
      this.recLine[r] = lineFeeds;
      this.rejectAt[r] = NOT_REJECTED;
      if (scanner.recordEnd - pos > maxRecordBytes) {
        // The same rule as the chunker's, so the outcome does not depend on the chunk size:
        // reading resumes after the first line break at or past the limit, outside quotes.
        const lf = buf.indexOf(LF, pos + maxRecordBytes);
        if (lf >= 0 && lf < scanner.recordEnd) {
          this.recEnd[r] = lf;
          next = lf + 1;
          lineFeeds += countLineFeeds(buf, pos, next);
        } else {
          lineFeeds += scanner.lineFeeds;
        }
        this.reject(r, -1, R_TOO_LARGE);
        pos = next;
        continue;
      }
      lineFeeds += scanner.lineFeeds;
      if (scanner.openQuote) this.reject(r, -1, R_QUOTE);
      else if (scanner.fieldCount !== fieldCount) this.reject(r, -1, R_FIELD_COUNT);
      else {
        const base = r * ncols;
        for (let k = 0; k < ncols; k++) {
          const idx = this.columns[k].index;
          this.fieldStart[base + k] = scanner.starts[idx];
          this.fieldEnd[base + k] = scanner.ends[idx];
        }
      }
      pos = next;
    }

    // Pass 2: transform column by column, in header order, so the first failing column is the one reported.
    for (let k = 0; k < ncols; k++) {
      const col = this.columns[k];
      const values = this.values[k];
      values.used = 0;
      if (col.op === Op.Encrypt || col.op === Op.Decrypt) {
        this.cryptColumn(buf, k, records, col.op === Op.Encrypt);
        continue;
      }
      for (let r = 0; r < records; r++) {
        if (this.rejectAt[r] !== NOT_REJECTED) continue;
        const text = this.decodeText(buf, r, k);
        if (text === undefined) continue;
        const slot = r * ncols + k;
        this.valueStart[slot] = values.used;
        if (text.length === 0) {
          this.kinds[slot] = KIND_EMPTY;
        } else if (col.op === Op.Sha256) {
          values.appendLatin1(sha256Hex(text));
          this.kinds[slot] = KIND_HASHED;
        } else if (col.op === Op.Sha256Lc) {
          values.appendLatin1(sha256Hex(text.toLowerCase()));
          this.kinds[slot] = KIND_HASHED;
        } else if (isSha256Hex(text)) {
          values.appendLatin1(text.toLowerCase());
          this.kinds[slot] = KIND_ALREADY_HASHED;
        } else if (col.op === Op.EmailSha256) {
          if (!isValidEmail(text)) {
            this.reject(r, k, R_EMAIL);
            continue;
          }
          values.appendLatin1(sha256Hex(text.toLowerCase()));
          this.kinds[slot] = KIND_HASHED;
        } else {
          const e164 = this.normalizePhone!(text);
          if (e164 === PHONE_INVALID || e164 === PHONE_NEEDS_COUNTRY) {
            if (e164 === PHONE_NEEDS_COUNTRY) phonesNeedingCountry++;
            this.reject(r, k, R_PHONE);
            continue;
          }
          values.appendLatin1(sha256Hex(col.op === Op.PhoneSha256 ? e164.slice(1) : e164));
          this.kinds[slot] = KIND_HASHED;
        }
        this.valueEnd[slot] = values.used;
      }
    }

    // Pass 3: emit accepted records; count rejects.
    let bound = length + records + 16;
    for (let k = 0; k < ncols; k++) bound += 2 * this.values[k].used + 2 * records;
    // Not zero-filled, and an ArrayBuffer of its own (not a pool slice), so it can be transferred.
    const outBytes = Buffer.allocUnsafeSlow(bound);
    const out = outBytes.buffer as ArrayBuffer;
    let o = 0;
    let recordsOut = 0;
    let rejectCount = 0;
    let rejectBytes = 0;
    const dialect = this.dialect;
    for (let r = 0; r < records; r++) {
      const at = this.rejectAt[r];
      if (at !== NOT_REJECTED) {
        rejectCount++;
        rejectBytes += this.recEnd[r] - this.recStart[r];
        if (at >= 0) counts[at * COLUMN_COUNTERS.length + KIND_INVALID]++;
        continue;
      }
      recordsOut++;
      let p = this.recStart[r];
      const base = r * ncols;
      for (let k = 0; k < ncols; k++) {
        const slot = base + k;
        o = copyBytes(buf, p, this.fieldStart[slot], outBytes, o);
        p = this.fieldEnd[slot];
        const kind = this.kinds[slot];
        counts[k * COLUMN_COUNTERS.length + kind]++;
        if (kind === KIND_EMPTY) continue;
        const vb = this.values[k].bytes;
        const vs = this.valueStart[slot];
        const ve = this.valueEnd[slot];
        if (kind === KIND_DECRYPTED && needsQuoting(vb, vs, ve, dialect)) o = writeQuoted(vb, vs, ve, dialect, outBytes, o);
        else o = copyBytes(vb, vs, ve, outBytes, o);
      }
      o = copyBytes(buf, p, this.recEnd[r], outBytes, o);
      outBytes[o++] = LF;
    }

    return {
      out,
      outLength: o,
      lineFeeds,
      records,
      recordsOut,
      blankLines,
      phonesNeedingCountry,
      columnCounts: counts,
      rejects: this.packRejects(buf, records, rejectCount, rejectBytes),
    };
  }

  private reject(r: number, columnPos: number, reason: number): void {
    this.rejectAt[r] = columnPos;
    this.rejectReason[r] = reason;
  }

  /**
   * Decodes field k of record r to trimmed text, or rejects the record and returns undefined.
   * An unquoted ASCII field (the common case) is read in place as latin1, exact for ASCII and
   * cheaper than UTF-8; anything else is unquoted into scratch space first.
   */
  private decodeText(buf: Buffer, r: number, k: number): string | undefined {
    const slot = r * this.columns.length + k;
    const fs = this.fieldStart[slot];
    const fe = this.fieldEnd[slot];
    const Q = this.dialect.quote;
    if (fe === fs || buf[fs] !== Q) {
      let ascii = true;
      for (let i = fs; i < fe; i++) {
        const c = buf[i];
        if (c >= 0x80) ascii = false;
        else if (c === Q) {
          this.reject(r, k, R_QUOTE);
          return undefined;
        }
      }
      if (ascii) return latin1Slice(buf, fs, fe).trim();
      if (!isUtf8(buf.subarray(fs, fe))) {
        this.reject(r, k, R_UTF8);
        return undefined;
      }
      return buf.toString('utf8', fs, fe).trim();
    }
    const bytes = this.decodeBytes(buf, r, k);
    if (bytes < 0) return undefined;
    const d = this.decoded;
    let ascii = true;
    for (let i = 0; i < bytes; i++) {
      if (d[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return latin1Slice(d, 0, bytes).trim();
    if (!isUtf8(d.subarray(0, bytes))) {
      this.reject(r, k, R_UTF8);
      return undefined;
    }
    return d.toString('utf8', 0, bytes).trim();
  }

  /** Unquotes field k of record r into `this.decoded`; returns its length or -1 after rejecting. */
  private decodeBytes(buf: Buffer, r: number, k: number): number {
    const slot = r * this.columns.length + k;
    const fs = this.fieldStart[slot];
    const fe = this.fieldEnd[slot];
    if (this.decoded.length < fe - fs) this.decoded = Buffer.allocUnsafeSlow(2 * (fe - fs));
    const n = decodeField(buf, fs, fe, this.dialect, this.decoded);
    if (n < 0) this.reject(r, k, R_QUOTE);
    return n;
  }

  /** Encrypts or decrypts one column of the whole chunk in one batch through the cipher. */
  private cryptColumn(buf: Buffer, k: number, records: number, encrypt: boolean): void {
    const ncols = this.columns.length;
    const batch = this.batchIn;
    batch.used = 0;
    let n = 0;
    for (let r = 0; r < records; r++) {
      if (this.rejectAt[r] !== NOT_REJECTED) continue;
      const text = this.decodeText(buf, r, k);
      if (text === undefined) continue;
      const slot = r * ncols + k;
      if (text.length === 0) {
        this.kinds[slot] = KIND_EMPTY;
        continue;
      }
      if (n >= this.batchStarts.length) {
        this.batchStarts = grow(this.batchStarts, n + 1);
        this.batchEnds = grow(this.batchEnds, n + 1);
        this.batchRecords = grow(this.batchRecords, n + 1);
      }
      const start = batch.used;
      if (encrypt) {
        batch.ensure(Buffer.byteLength(text));
        batch.used += batch.bytes.write(text, batch.used, 'utf8');
      } else {
        const raw = this.decodeCiphertext(text);
        if (raw === null) {
          this.reject(r, k, R_CIPHER);
          continue;
        }
        batch.appendBytes(raw, 0, raw.length);
      }
      this.batchStarts[n] = start;
      this.batchEnds[n] = batch.used;
      this.batchRecords[n] = r;
      n++;
    }
    if (n === 0) return;
    const values = this.values[k];
    if (encrypt) {
      const { bytes, offsets } = this.cipher!.encrypt(batch.bytes, this.batchStarts, this.batchEnds, n);
      const hex = this.init.cipherEncoding === 'hex';
      for (let i = 0; i < n; i++) {
        const slot = this.batchRecords[i] * ncols + k;
        const len = offsets[i + 1] - offsets[i];
        values.ensure(hex ? 2 * len : 4 * Math.ceil(len / 3));
        this.valueStart[slot] = values.used;
        values.used = hex
          ? hexEncodeInto(bytes, offsets[i], offsets[i + 1], values.bytes, values.used)
          : base64EncodeInto(bytes, offsets[i], offsets[i + 1], values.bytes, values.used);
        this.valueEnd[slot] = values.used;
        this.kinds[slot] = KIND_ENCRYPTED;
      }
      return;
    }
    const { bytes, offsets, ok } = this.cipher!.decrypt(batch.bytes, this.batchStarts, this.batchEnds, n);
    for (let i = 0; i < n; i++) {
      const r = this.batchRecords[i];
      if (!ok[i] || !isUtf8(bytes.subarray(offsets[i], offsets[i + 1]))) {
        this.reject(r, k, R_CIPHER);
        continue;
      }
      const slot = r * ncols + k;
      this.valueStart[slot] = values.used;
      values.appendBytes(bytes, offsets[i], offsets[i + 1]);
      this.valueEnd[slot] = values.used;
      this.kinds[slot] = KIND_DECRYPTED;
    }
  }

  private decodeCiphertext(text: string): Buffer | null {
    const ascii = Buffer.from(text, 'latin1');
    for (let i = 0; i < ascii.length; i++) if (text.charCodeAt(i) > 0x7f) return null;
    return this.init.cipherEncoding === 'hex' ? decodeHexStrict(ascii, 0, ascii.length) : decodeBase64Strict(ascii, 0, ascii.length);
  }

  private packRejects(buf: Buffer, records: number, count: number, rawBytes: number): ChunkResult['rejects'] {
    const lineOffsets = new Int32Array(count);
    const reasons = new Uint8Array(count);
    const columns = new Int32Array(count);
    const rawOffsets = new Int32Array(count + 1);
    const rawView = Buffer.allocUnsafeSlow(rawBytes);
    const raw = rawView.buffer as ArrayBuffer;
    let i = 0;
    let o = 0;
    for (let r = 0; r < records && i < count; r++) {
      const at = this.rejectAt[r];
      if (at === NOT_REJECTED) continue;
      lineOffsets[i] = this.recLine[r];
      reasons[i] = this.rejectReason[r];
      columns[i] = at >= 0 ? this.columns[at].index : -1;
      rawOffsets[i] = o;
      o = copyBytes(buf, this.recStart[r], this.recEnd[r], rawView, o);
      i++;
    }
    rawOffsets[count] = o;
    return { count, lineOffsets, reasons, columns, rawOffsets, raw };
  }

  private growRecords(n: number): void {
    const size = Math.max(n, this.recStart.length * 2);
    const ncols = Math.max(1, this.columns.length);
    this.recStart = grow(this.recStart, size);
    this.recEnd = grow(this.recEnd, size);
    this.recLine = grow(this.recLine, size);
    this.rejectAt = grow(this.rejectAt, size);
    const reasons = new Uint8Array(size);
    reasons.set(this.rejectReason);
    this.rejectReason = reasons;
    this.fieldStart = grow(this.fieldStart, size * ncols);
    this.fieldEnd = grow(this.fieldEnd, size * ncols);
    this.valueStart = grow(this.valueStart, size * ncols);
    this.valueEnd = grow(this.valueEnd, size * ncols);
    const kinds = new Uint8Array(size * ncols);
    kinds.set(this.kinds);
    this.kinds = kinds;
  }
}

function countLineFeeds(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(LF, start); i !== -1 && i < end; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}

/** Copies src[start, end) to dst at pos; short runs by hand, where a native call costs more than the copy. */
function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, pos: number): number {
  const n = end - start;
  if (n < 48) {
    for (let i = start; i < end; i++) dst[pos++] = src[i];
    return pos;
  }
  dst.set(src.subarray(start, end), pos);
  return pos + n;
}
