/**
 * The worker's hot path: one record-aligned chunk of CSV bytes in, output bytes, rejects and
 * counters out. Pure and synchronous; the Piscina entry (src/worker/entry.ts) is a thin adapter.
 *
 * One pass over the records: frame a record, transform its named fields, write it out. Untouched
 * bytes are copied, never decoded, and runs of them are copied across record boundaries in one
 * piece. Hashes and AES run chunk-wide: hashed and encrypted fields get their exact space
 * reserved during the pass and are filled by one batch each afterwards; decrypted fields are
 * batch-decrypted by a pre-pass, because their length is only known once decrypted.
 */
import { isUtf8 } from 'node:buffer';
import { AesCbcBatch } from '../transforms/aes-cbc.js';
import { AsciiHasher, HASH_HEX } from '../transforms/ascii-hasher.js';
import { Bytes, Int32List, IntColumns, copyInto, latin1Slice, latin1Write } from '../transforms/byte-buffers.js';
import {
  KIND_ALREADY_HASHED, KIND_DECRYPTED, KIND_EMPTY, KIND_ENCRYPTED, KIND_HASHED, KIND_INVALID, NCOUNTERS,
  R_CIPHER, R_EMAIL, R_FIELD_COUNT, R_LINE_END, R_PHONE, R_QUOTE, R_TOO_LARGE,
} from '../protocol/codes.js';
import { RecordScanner, LF, CR, type Dialect } from '../formats/csv/scan.js';
import { needsQuoting, writeQuoted } from '../formats/csv/field-codec.js';
import { base64EncodeInto, decodeBase64Strict, decodeHexStrict, hexEncodeInto } from '../transforms/encoding.js';
import { ASCII, FieldDecoder, NOT_ASCII } from '../formats/csv/field-decoder.js';
import { isSha256Hex, isValidEmail } from '../transforms/identity.js';
import { createPhoneNormalizer, PHONE_INVALID, PHONE_NEEDS_COUNTRY, type PhoneOutcome } from '../transforms/phone.js';
import { Sha256Batch } from '../transforms/sha256-batch.js';
import { Op, REJECT_RECORD_MAX_BYTES, type ChunkResult, type ChunkPlan, type ColumnOp, type OpName, type WorkerInit } from '../protocol/messages.js';

/** Per AES column: values batched through the cipher once per chunk. */
interface CipherColumn {
  readonly k: number;
  readonly input: Bytes;
  /** start, end (in input), then for encrypt: output position of the reserved slot. */
  readonly items: IntColumns;
  readonly cipher: AesCbcBatch;
  readonly hex: boolean;
  /** Decrypt only: per record ordinal, the plaintext's range in `plain`, or -1 when it failed. */
  plainStart: Int32Array;
  plainEnd: Int32Array;
  plain: Buffer;
}

export class ChunkProcessor {
  private readonly init: WorkerInit;
  private readonly fieldCount: number;
  private readonly lineEnd: number;
  private readonly dialect: Dialect;
  private readonly columns: readonly ColumnOp[];
  private readonly ops: OpName[];
  private readonly indexes: Int32Array;
  private readonly scanner: RecordScanner;
  private readonly normalizePhone: Array<(trimmed: string) => PhoneOutcome> = [];
  private readonly cipherColumns: CipherColumn[] = [];
  private readonly hasDecrypt: boolean;
  private readonly kinds: Uint8Array;
  private readonly fields: FieldDecoder;
  private readonly hashes: Sha256Batch;
  private readonly hasher: AsciiHasher;

  constructor(init: WorkerInit, plan: Omit<ChunkPlan, 'id'>) {
    this.init = init;
    this.fieldCount = plan.fieldCount;
    const f = init.format;
    this.dialect = { delimiter: f.delimiter as number, quote: f.quote as number, escape: f.escape as number, lineEnd: plan.lineEnd };
    this.hashes = new Sha256Batch({ native: init.sha256 === 'native' });
    this.hasher = new AsciiHasher(this.hashes);
    this.lineEnd = this.dialect.lineEnd!;
    this.fields = new FieldDecoder(this.dialect);
    this.columns = [...plan.columns].sort((a, b) => a.index - b.index);
    this.ops = this.columns.map((c) => c.op);
    this.indexes = Int32Array.from(this.columns, (c) => c.index);
    this.kinds = new Uint8Array(this.columns.length);
    this.scanner = new RecordScanner(this.dialect, plan.fieldCount + 1);
    this.columns.forEach((c, k) => {
      if (c.op === Op.PhoneSha256 || c.op === Op.PhoneSha256E164) this.normalizePhone[k] = createPhoneNormalizer(c.params.defaultCountry);
      if (c.op === Op.Encrypt || c.op === Op.Decrypt) {
        const key = c.params.key === undefined ? undefined : init.keys[c.params.key];
        if (!key) throw new Error('an AES transform needs a key and an IV');
        const cipher = new AesCbcBatch(key.key, key.iv);
        this.cipherColumns[k] = { k, input: new Bytes(1 << 16), items: new IntColumns(3), cipher, hex: c.params.encoding !== 'base64', plainStart: new Int32Array(0), plainEnd: new Int32Array(0), plain: Buffer.alloc(0) };
      }
    });
    this.hasDecrypt = this.columns.some((c) => c.op === Op.Decrypt);
  }

  process(input: Uint8Array, length: number, spare?: ArrayBuffer): Omit<ChunkResult, 'input'> {
    const buf = Buffer.from(input.buffer, input.byteOffset, length);
    const ncols = this.columns.length;
    const counts = new Float64Array(ncols * NCOUNTERS);
    const rejects = new IntColumns(5); // line offset, reason, column, start, end
    this.hashes.truncate(0); // nothing left over from a chunk that threw
    for (const cc of this.cipherColumns) {
      if (!cc) continue;
      cc.input.used = 0;
      cc.items.count = 0;
    }
    if (this.hasDecrypt) this.decryptAll(buf, length);
    const recordEnds = new Int32List();

    // Output: in the spare buffer the main thread sized from earlier chunks; grows if short.
    const out = new Bytes(spare ? Math.min(spare.byteLength, length + 1024) : length + (length >> 1) + 1024, spare);
    const scanner = this.scanner;
    const fieldCount = this.fieldCount;
    const starts = scanner.starts;
    const ends = scanner.ends;
    const kinds = this.kinds;
    let phonesNeedingCountry = 0;
    let records = 0;
    let recordsOut = 0;
    let blankLines = 0;
    let lineFeeds = 0;
    // Untouched input bytes not yet copied: [runStart, ...). -1 when there are none.
    let runStart = -1;
    let pos = 0;
    while (pos < length) {
      const blank = this.blankLineLength(buf, pos, length);
      if (blank > 0) {
        blankLines++;
        lineFeeds++;
        pos += blank;
        continue;
      }
      const recStart = pos;
      const recLine = lineFeeds;
      const ordinal = records++;
      const next = scanner.scan(buf, pos, length);
      const recEnd = scanner.recordEnd;
      lineFeeds += scanner.lineFeeds;
      pos = next;
      const reason = this.recordFlaw(recEnd - recStart);
      let reasonColumn = -1;
      if (reason === R_QUOTE && scanner.badQuoteField >= 0 && scanner.badQuoteField < fieldCount) reasonColumn = scanner.badQuoteField;

      // The pending run must end where this record starts, or be flushed first.
      if (runStart !== -1 && this.runEnd !== recStart) {
        copyInto(out, buf, runStart, this.runEnd);
        runStart = -1;
      }
      if (reason !== -1) {
        if (runStart !== -1) {
          copyInto(out, buf, runStart, recStart);
          runStart = -1;
        }
        rejects.push(recLine, reason, reasonColumn, recStart, recEnd);
        continue;
      }

      // Transform the named fields in header order; the first failure rejects the record.
      const rollback = out.used;
      const hashMark = this.hashes.count;
      const runBefore = runStart;
      if (runStart === -1) runStart = recStart;
      let failedAt = -1;
      let failReason = 0;
      for (let k = 0; k < ncols; k++) {
        const fs = starts[this.indexes[k]];
        const fe = ends[this.indexes[k]];
        copyInto(out, buf, runStart, fs);
        runStart = fe;
        const op = this.ops[k];
        if (op === Op.Decrypt) {
          const cc = this.cipherColumns[k];
          const ps = cc.plainStart[ordinal];
          if (ps === -2) kinds[k] = KIND_EMPTY;
          else if (ps < 0) {
            failedAt = k;
            failReason = -ps - 3;
            break;
          } else {
            const pe = cc.plainEnd[ordinal];
            out.ensure(2 * (pe - ps) + 2);
            if (needsQuoting(cc.plain, ps, pe, this.dialect)) out.used = writeQuoted(cc.plain, ps, pe, this.dialect, out.bytes, out.used);
            else out.used += cc.plain.copy(out.bytes, out.used, ps, pe);
            kinds[k] = KIND_DECRYPTED;
          }
          continue;
        }
        // ASCII fields (the common case) are read in place: hashes and AES input come straight
        // from the bytes, and only a phone number becomes a string (for its parser).
        const status = this.fields.asciiRange(buf, fs, fe);
        let text: string;
        if (status === ASCII) {
          if (op === Op.Encrypt) {
            kinds[k] = this.reserveEncrypted(k, this.fields.asciiSrc, this.fields.asciiStart, this.fields.asciiEnd, out);
            continue;
          }
          if (op !== Op.PhoneSha256 && op !== Op.PhoneSha256E164) {
            const kind = this.hasher.hash(op, this.fields.asciiSrc, this.fields.asciiStart, this.fields.asciiEnd, out);
            if (kind < 0) {
              failedAt = k;
              failReason = -kind - 1;
              break;
            }
            kinds[k] = kind;
            continue;
          }
          text = latin1Slice(this.fields.asciiSrc, this.fields.asciiStart, this.fields.asciiEnd);
        } else if (status !== NOT_ASCII) {
          failedAt = k;
          failReason = status;
          break;
        } else {
          const decoded = this.fields.decodeText(buf, fs, fe);
          if (typeof decoded === 'number') {
            failedAt = k;
            failReason = decoded;
            break;
          }
          text = decoded;
        }
        if (text.length === 0) {
          kinds[k] = KIND_EMPTY;
          continue;
        }
        if (op === Op.Encrypt) {
          const utf8 = Buffer.from(text, 'utf8');
          kinds[k] = this.reserveEncrypted(k, utf8, 0, utf8.length, out);
          continue;
        }
        // Queued for the chunk's hash batch, into the 64-byte slot reserved here.
        out.ensure(HASH_HEX);
        if (op === Op.Sha256) this.hashes.addText(text, out.used);
        else if (op === Op.Sha256Lc) this.hashes.addText(text.toLowerCase(), out.used);
        else if (isSha256Hex(text)) {
          out.used += latin1Write(out.bytes, text.toLowerCase(), out.used);
          kinds[k] = KIND_ALREADY_HASHED;
          continue;
        } else if (op === Op.EmailSha256) {
          if (!isValidEmail(text)) {
            failedAt = k;
            failReason = R_EMAIL;
            break;
          }
          this.hashes.addText(text.toLowerCase(), out.used);
        } else {
          const e164 = this.normalizePhone[k](text);
          if (e164 === PHONE_INVALID || e164 === PHONE_NEEDS_COUNTRY) {
            if (e164 === PHONE_NEEDS_COUNTRY) phonesNeedingCountry++;
            failedAt = k;
            failReason = R_PHONE;
            break;
          }
          this.hashes.addLatin1(op === Op.PhoneSha256 ? e164.slice(1) : e164, out.used);
        }
        out.used += HASH_HEX;
        kinds[k] = KIND_HASHED;
      }

      if (failedAt >= 0) {
        // Undo this record: its output, its reserved cipher slots, and the run it extended.
        out.used = rollback;
        this.hashes.truncate(hashMark);
        for (let k = 0; k < failedAt; k++) {
          if (this.ops[k] === Op.Encrypt && kinds[k] === KIND_ENCRYPTED) this.cipherColumns[k].items.count--;
        }
        if (runBefore !== -1) copyInto(out, buf, runBefore, recStart);
        runStart = -1;
        counts[failedAt * NCOUNTERS + KIND_INVALID]++;
        rejects.push(recLine, failReason, this.indexes[failedAt], recStart, recEnd);
        continue;
      }
      for (let k = 0; k < ncols; k++) counts[k * NCOUNTERS + kinds[k]]++;
      recordsOut++;
      if (buf[recEnd] === LF && recEnd < length) {
        // Ends with a bare LF: the run goes on through it into the next record.
        this.runEnd = recEnd + 1;
        recordEnds.push(out.used + this.runEnd - runStart);
      } else {
        copyInto(out, buf, runStart, recEnd);
        out.ensure(1);
        out.bytes[out.used++] = LF;
        runStart = -1;
        recordEnds.push(out.used);
      }
    }
    if (runStart !== -1) copyInto(out, buf, runStart, this.runEnd);
    this.hashes.fill(out.bytes);
    this.fillEncrypted(out);

    return {
      out: out.bytes.buffer as ArrayBuffer,
      outLength: out.used,
      recordEnds: recordEnds.take(),
      lineFeeds,
      records,
      recordsOut,
      blankLines,
      phonesNeedingCountry,
      columnCounts: counts,
      rejects: packRejects(buf, rejects),
    };
  }

  /** Where the pending run of untouched bytes ends (just after the last accepted record's LF). */
  private runEnd = 0;

  /** The length of the blank line at `pos` (its line end), or 0. */
  private blankLineLength(buf: Buffer, pos: number, length: number): number {
    const c = buf[pos];
    if (c === this.lineEnd) return 1;
    return this.lineEnd === LF && c === CR && pos + 1 < length && buf[pos + 1] === LF ? 2 : 0;
  }

  /** After a scan: the record-level reject reason of the record just scanned, or -1. */
  private recordFlaw(recordBytes: number): number {
    const scanner = this.scanner;
    // The chunker hands over framed records only; an open quote here is the end of input.
    if (scanner.openQuote) return R_QUOTE;
    if (recordBytes > this.init.maxRecordBytes) return R_TOO_LARGE;
    if (scanner.badQuoteField >= 0) return R_QUOTE;
    if (scanner.strayLineFeed) return R_LINE_END;
    if (scanner.fieldCount !== this.fieldCount) return R_FIELD_COUNT;
    return -1;
  }

  /**
   * Queues src[s, e) for the column's encryption batch and reserves its ciphertext's exact text
   * length in the output, filled by `fillEncrypted` once the chunk is done.
   */
  private reserveEncrypted(k: number, src: Buffer, s: number, e: number, out: Bytes): number {
    if (e === s) return KIND_EMPTY;
    const cc = this.cipherColumns[k];
    const input = cc.input;
    input.ensure(e - s);
    const at = input.used;
    const dst = input.bytes;
    for (let i = s; i < e; i++) dst[at + i - s] = src[i];
    input.used = at + (e - s);
    const ct = (Math.floor((e - s) / 16) + 1) * 16;
    const encoded = cc.hex ? 2 * ct : 4 * Math.ceil(ct / 3);
    out.ensure(encoded);
    cc.items.push(at, input.used, out.used);
    out.used += encoded;
    return KIND_ENCRYPTED;
  }

  /** Encrypts every reserved slot of the chunk, one batch per column, and writes the text in place. */
  private fillEncrypted(out: Bytes): void {
    for (const cc of this.cipherColumns) {
      if (!cc || this.ops[cc.k] !== Op.Encrypt || cc.items.count === 0) continue;
      const [starts, ends, slots] = cc.items.cols;
      const n = cc.items.count;
      const { bytes, offsets } = cc.cipher.encrypt(cc.input.bytes, starts, ends, n);
      const hex = cc.hex;
      for (let i = 0; i < n; i++) {
        if (hex) hexEncodeInto(bytes, offsets[i], offsets[i + 1], out.bytes, slots[i]);
        else base64EncodeInto(bytes, offsets[i], offsets[i + 1], out.bytes, slots[i]);
      }
    }
  }

  /**
   * Pre-pass for decrypt columns: frames the records exactly as the main pass does, decodes each
   * ciphertext strictly, and decrypts them all in one batch per column. Per record ordinal it
   * leaves the plaintext's range, -2 for an empty field, or -(reason + 3) for a failure.
   */
  private decryptAll(buf: Buffer, length: number): void {
    const scanner = this.scanner;
    const decrypts = this.cipherColumns.filter((cc) => cc && this.ops[cc.k] === Op.Decrypt);
    const size = Math.max(16, length >> 4);
    for (const cc of decrypts) {
      if (cc.plainStart.length < size) {
        cc.plainStart = new Int32Array(size);
        cc.plainEnd = new Int32Array(size);
      }
    }
    let ordinal = 0;
    let pos = 0;
    while (pos < length) {
      const blank = this.blankLineLength(buf, pos, length);
      if (blank > 0) {
        pos += blank;
        continue;
      }
      const next = scanner.scan(buf, pos, length);
      const ok = this.recordFlaw(scanner.recordEnd - pos) === -1;
      const r = ordinal++;
      for (const cc of decrypts) {
        if (r >= cc.plainStart.length) {
          const grownS = new Int32Array(cc.plainStart.length * 2);
          grownS.set(cc.plainStart);
          cc.plainStart = grownS;
          const grownE = new Int32Array(cc.plainEnd.length * 2);
          grownE.set(cc.plainEnd);
          cc.plainEnd = grownE;
        }
        if (!ok) {
          cc.plainStart[r] = -2;
          continue;
        }
        const idx = this.indexes[cc.k];
        const text = this.fields.decodeText(buf, scanner.starts[idx], scanner.ends[idx]);
        if (typeof text === 'number') {
          cc.plainStart[r] = -(text + 3);
          continue;
        }
        if (text.length === 0) {
          cc.plainStart[r] = -2;
          continue;
        }
        const raw = decodeCiphertext(text, cc.hex);
        if (raw === null) {
          cc.plainStart[r] = -(R_CIPHER + 3);
          continue;
        }
        cc.input.ensure(raw.length);
        const s = cc.input.used;
        cc.input.used += raw.copy(cc.input.bytes, s);
        cc.items.push(s, cc.input.used, r);
      }
      pos = next;
    }
    for (const cc of decrypts) {
      const n = cc.items.count;
      if (n === 0) continue;
      const [starts, ends, recs] = cc.items.cols;
      const { bytes, offsets, ok } = cc.cipher.decrypt(cc.input.bytes, starts, ends, n);
      cc.plain = bytes;
      for (let i = 0; i < n; i++) {
        const r = recs[i];
        if (!ok[i] || !isUtf8(bytes.subarray(offsets[i], offsets[i + 1]))) cc.plainStart[r] = -(R_CIPHER + 3);
        else {
          cc.plainStart[r] = offsets[i];
          cc.plainEnd[r] = offsets[i + 1];
        }
      }
      cc.items.count = 0;
      cc.input.used = 0;
    }
  }

}

function decodeCiphertext(text: string, hex: boolean): Buffer | null {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return null;
  const ascii = Buffer.from(text, 'latin1');
  return hex ? decodeHexStrict(ascii, 0, ascii.length) : decodeBase64Strict(ascii, 0, ascii.length);
}

/** A reject's text is cut at REJECT_RECORD_MAX_BYTES here already: a huge record is not copied whole. */
function packRejects(buf: Buffer, rejects: IntColumns): ChunkResult['rejects'] {
  const count = rejects.count;
  const [lines, reasons, columns, starts, ends] = rejects.cols;
  let rawBytes = 0;
  for (let i = 0; i < count; i++) rawBytes += Math.min(ends[i] - starts[i], REJECT_RECORD_MAX_BYTES);
  const raw = Buffer.allocUnsafeSlow(rawBytes);
  const rawOffsets = new Int32Array(count + 1);
  const recordLengths = new Int32Array(count);
  let o = 0;
  for (let i = 0; i < count; i++) {
    rawOffsets[i] = o;
    recordLengths[i] = ends[i] - starts[i];
    o += buf.copy(raw, o, starts[i], starts[i] + Math.min(ends[i] - starts[i], REJECT_RECORD_MAX_BYTES));
  }
  rawOffsets[count] = o;
  return {
    count,
    lineOffsets: lines.slice(0, count),
    reasons: Uint8Array.from(reasons.subarray(0, count)),
    columns: columns.slice(0, count),
    rawOffsets,
    raw: raw.buffer as ArrayBuffer,
    recordLengths,
  };
}
