/**
 * The part of a profile index build that runs in the build's worker threads (or in the main
 * thread when it has none): one chunk of whole records of the profile table in, per profile its
 * kept fields and, per data source, its key in matched form (a SHA-256 digest, of the key or of
 * its normalised text; or the text, for a source held in full) out,
 * as views of one buffer that moves to the main thread, which adds them to the shared index in table
 * order (src/reconcile/index-build.ts). Imports only worker-side modules.
 */
import { decodeField } from '../formats/csv/field-codec.js';
import { RecordScanner, type Dialect } from '../formats/csv/scan.js';
import { CR, LF } from '../formats/line-ends.js';
import { DIGEST_BYTES, FIELD_LONG, FINGERPRINT_WORDS, HELD_FINGERPRINT } from '../protocol/profile-index.js';
import { Bytes, isAsciiSpace } from '../transforms/byte-buffers.js';
import { decodeHexStrictInto, isHex64 } from '../transforms/encoding.js';
import { sha256DigestsInto } from '../transforms/sha256-batch.js';
import { ASCII_ROOM, KEY_EMPTY, KEY_INVALID, KEY_INVALID_AT, KEY_OK, KeyForms, UNDECIDED } from './lookup-key.js';

const FINGERPRINT_BYTES = 4 * FINGERPRINT_WORDS;
/** Profiles a chunk's arrays have room for at first: a 1 MiB chunk of 70-byte records has ~15,000. */
const INITIAL_ROOM = 1 << 14;

/** What a chunk is read by: structured-clonable, the same for every chunk of a build. */
export interface ExtractPlan {
  /** LF, or CR for a table whose records end in CR alone. */
  readonly lineEnd: number;
  /** Fields of the header: a record with another count is no profile. */
  readonly fieldCount: number;
  /** The columns kept (profiles.id first, then profiles.fields). */
  readonly keptColumns: readonly number[];
  /**
   * `hashed`: the key goes out as its SHA-256 digest, else as its text; `held` HELD_FINGERPRINT:
   * only the digest's first FINGERPRINT_WORDS words go out (what the index keeps of it), else all 32 bytes.
   */
  readonly sources: readonly { readonly column: number; readonly keys: number; readonly form: number; readonly hexIsDigest: boolean; readonly hashed: boolean; readonly held: number }[];
  readonly defaultCountry: string | undefined;
  readonly maxRecordBytes: number;
}

/** Why a line is no profile (FLAWS[code]). */
export const FLAWS = ['field_count', 'bad_quote', 'record_too_large', 'bad_line_end'] as const;
const F_FIELD_COUNT = 0;
const F_QUOTE = 1;
const F_TOO_LARGE = 2;
/** An LF outside quotes in a table whose records end in CR. */
const F_LINE_END = 3;

export interface SourceExtract {
  /** Per profile: KEY_OK, KEY_EMPTY or KEY_INVALID. */
  readonly status: Uint8Array;
  /** The keys of the KEY_OK profiles in order: digests (32 bytes, or their 12-byte fingerprints), or text whose ends are `keyEnds`. */
  readonly keyBytes: Uint8Array;
  readonly keyEnds: Uint32Array;
}

export interface ChunkExtract {
  /** Bytes of the chunk. */
  readonly bytes: number;
  readonly profiles: number;
  /** Line ends in the chunk. */
  readonly lineFeeds: number;
  readonly blankLines: number;
  /** Pairs: the flawed line's offset from the chunk's first line, its FLAWS code. */
  readonly flaws: Int32Array;
  /** The profiles' records of kept values, each value after its length (src/protocol/profile-index.ts). */
  readonly fieldBytes: Uint8Array;
  /** Per profile: the end of its record in fieldBytes. */
  readonly fieldEnds: Uint32Array;
  readonly sources: readonly SourceExtract[];
  /** The chunk's buffer, given back to be filled again (the chunker's next chunks). */
  chunk?: ArrayBuffer;
  /** The one buffer every array above is a view of, to be given back for a later chunk's result. */
  readonly result?: ArrayBuffer;
}

/** The buffers a result moves with. */
export function transferList(r: ChunkExtract): ArrayBuffer[] {
  const list = [r.result ?? r.fieldBytes.buffer, ...(r.chunk === undefined ? [] : [r.chunk])];
  return [...new Set(list)] as ArrayBuffer[];
}

export class ProfileExtractor {
  private readonly dialect: Dialect;
  private readonly scanner: RecordScanner;
  private readonly forms: KeyForms;
  private readonly unquoted = new Bytes(1 << 12);
  /** Room reused from chunk to chunk; a result gets exact copies of its part. */
  private readonly fields = new Bytes(1 << 20);
  private fieldEnds: Uint32Array;
  private readonly work: SourceWork[];
  /** Per source: whether only each digest's fingerprint goes out (see ExtractPlan.sources). */
  private readonly fingerprinted: boolean[];

  constructor(private readonly plan: ExtractPlan) {
    this.dialect = { delimiter: 0x2c, quote: 0x22, escape: 0x22, lineEnd: plan.lineEnd };
    this.scanner = new RecordScanner(this.dialect, plan.fieldCount + 1);
    this.forms = new KeyForms(plan.defaultCountry);
    this.fingerprinted = plan.sources.map((s) => s.hashed && s.held === HELD_FINGERPRINT);
    const room = INITIAL_ROOM;
    this.lengthRoom = 5 * plan.keptColumns.length;
    this.fieldEnds = new Uint32Array(room);
    this.work = plan.sources.map((s) => ({
      status: new Uint8Array(room),
      keys: new Bytes(s.hashed ? room * DIGEST_BYTES : 1 << 16),
      ends: new Uint32Array(room),
      ok: 0,
      forms: new Bytes(1 << 16),
      formStarts: new Int32Array(s.hashed ? room : 0),
      formEnds: new Int32Array(s.hashed ? room : 0),
      slots: new Int32Array(s.hashed ? room : 0),
      queued: 0,
    }));
  }

  /** Reads the whole records of buf[0, length); `spare`: a result buffer to fill again. */
  extract(buf: Buffer, length: number, spare?: ArrayBuffer): ChunkExtract {
    const { plan, work } = this;
    for (const w of work) {
      w.keys.used = 0;
      w.ok = 0;
      w.forms.used = 0;
      w.queued = 0;
    }
    this.fields.used = 0;
    const flaws: number[] = [];
    const profiles = this.records(buf, length, flaws);
    for (let s = 0; s < work.length; s++) {
      const w = work[s];
      if (!plan.sources[s].hashed) continue;
      sha256DigestsInto(w.forms.bytes, w.formStarts, w.formEnds, w.queued, w.keys.bytes, w.slots);
      w.keys.used = w.ok * DIGEST_BYTES;
    }
    return this.pack(length, profiles, this.lines, this.blankLines, flaws, spare);
  }

  /** Line ends and blank lines `records` read. */
  private lines = 0;
  private blankLines = 0;

  /**
   * Profiles the per-profile arrays have room for: fieldEnds, each source's status, ends and
   * queue, a hashed source's digest slots. Grown as a chunk needs it (its first ones), rather
   * than sized to the chunk's line ends first, which was a memchr per line.
   */
  private room = INITIAL_ROOM;
  private readonly lengthRoom: number;

  /** Twice the room, keeping what the chunk has so far. */
  private grow(): void {
    const room = 2 * this.room;
    const more = <T extends Uint8Array | Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(room);
      b.set(a as never);
      return b;
    };
    this.fieldEnds = more(this.fieldEnds, (n) => new Uint32Array(n));
    this.plan.sources.forEach((source, s) => {
      const w = this.work[s];
      w.status = more(w.status, (n) => new Uint8Array(n));
      w.ends = more(w.ends, (n) => new Uint32Array(n));
      if (!source.hashed) return;
      w.formStarts = more(w.formStarts, (n) => new Int32Array(n));
      w.formEnds = more(w.formEnds, (n) => new Int32Array(n));
      w.slots = more(w.slots, (n) => new Int32Array(n));
      // The slots written so far (digests decoded from hex) are kept: Bytes keeps `used` bytes.
      w.keys.used = w.ok * DIGEST_BYTES;
      w.keys.ensure((room - w.ok) * DIGEST_BYTES);
      w.keys.used = 0;
    });
    this.room = room;
  }

  /**
   * The records of buf[0, length): each profile's kept values and keys, each flawed line to
   * `flaws`; returns the profiles, its line ends and blank lines counted in `lines` and
   * `blankLines`. A loop alone that returns as it ends: any work after it (the chunk's end
   * work once was) had no type feedback when the loop's optimized code was made on stack,
   * and each chunk left that code there for the interpreter.
   */
  private records(buf: Buffer, length: number, flaws: number[]): number {
    const { plan, scanner: sc, work } = this;
    const eol = plan.lineEnd;
    let profiles = 0;
    this.lines = 0;
    this.blankLines = 0;
    let pos = 0;
    while (pos < length) {
      const c = buf[pos];
      if (c === eol || (eol === LF && c === CR && pos + 1 < length && buf[pos + 1] === LF)) {
        this.blankLines++;
        this.lines++;
        pos += c === eol ? 1 : 2;
        continue;
      }
      const next = sc.scan(buf, pos, length);
      const flaw = sc.openQuote || sc.badQuoteField >= 0 ? F_QUOTE : sc.strayLineFeed ? F_LINE_END : sc.recordEnd - pos > plan.maxRecordBytes ? F_TOO_LARGE : sc.fieldCount !== plan.fieldCount ? F_FIELD_COUNT : -1;
      if (flaw >= 0) {
        flaws.push(this.lines, flaw);
      } else {
        if (profiles === this.room) this.grow();
        // The record's kept values are at most its bytes, and a length of at most 5 bytes each.
        const need = sc.recordEnd - pos + this.lengthRoom;
        if (this.fields.used + need > this.fields.bytes.length) this.fields.ensure(need);
        this.keep(buf, profiles);
        for (let s = 0; s < work.length; s++) this.key(s, buf, work[s], profiles);
        profiles++;
      }
      this.lines += sc.lineFeeds;
      pos = next;
    }
    return profiles;
  }

  /**
   * The chunk's result in one ArrayBuffer (`spare`, one the main thread gave back, when it is
   * large enough): one allocation and one buffer to move a chunk instead of a dozen, which the
   * main thread's garbage collector paid for (~10% of its time with 2 workers at 1M profiles).
   * Word arrays first (4-byte aligned), then the bytes.
   */
  private pack(length: number, profiles: number, lineFeeds: number, blankLines: number, flaws: number[], spare: ArrayBuffer | undefined): ChunkExtract {
    const work = this.work;
    let words = flaws.length + profiles;
    let bytes = this.fields.used;
    work.forEach((w, s) => {
      words += w.ok;
      // + 3: a source's keys start on a word (the main thread reads digests as words).
      bytes += profiles + this.keyBytesOut(s, w) + 3;
    });
    const size = 4 * words + bytes;
    const buffer = spare !== undefined && spare.byteLength >= size ? spare : new ArrayBuffer(Math.max(Math.ceil(1.25 * size), 1 << 16));
    let at = 0;
    const take32 = (n: number): Uint32Array => {
      const v = new Uint32Array(buffer, at, n);
      at += 4 * n;
      return v;
    };
    const flawWords = new Int32Array(buffer, at, flaws.length);
    for (let i = 0; i < flaws.length; i++) flawWords[i] = flaws[i];
    at += 4 * flaws.length;
    const fieldEnds = take32(profiles);
    fieldEnds.set(this.fieldEnds.subarray(0, profiles));
    const keyEnds = work.map((w) => {
      const v = take32(w.ok);
      v.set(w.ends.subarray(0, w.ok));
      return v;
    });
    const takeBytes = (src: Uint8Array, n: number, aligned = false): Uint8Array => {
      if (aligned) at = (at + 3) & ~3;
      const v = new Uint8Array(buffer, at, n);
      v.set(src.subarray(0, n));
      at += n;
      return v;
    };
    // The slots are 32 bytes apart from the start of their own ArrayBuffer, the result's keys start on a word.
    const fingerprints = (src: Uint8Array, keys: number): Uint8Array => {
      at = (at + 3) & ~3;
      const v = new Uint8Array(buffer, at, keys * FINGERPRINT_BYTES);
      copyFingerprints(new Uint32Array(src.buffer, src.byteOffset, keys * (DIGEST_BYTES >>> 2)), new Uint32Array(buffer, at, keys * FINGERPRINT_WORDS), keys);
      at += v.length;
      return v;
    };
    const sources: SourceExtract[] = work.map((w, s) => ({
      status: takeBytes(w.status, profiles),
      keyBytes: this.fingerprinted[s] ? fingerprints(w.keys.bytes, w.ok) : takeBytes(w.keys.bytes, w.keys.used, true),
      keyEnds: keyEnds[s],
    }));
    const fieldBytes = takeBytes(this.fields.bytes, this.fields.used);
    return { bytes: length, profiles, lineFeeds, blankLines, flaws: flawWords, fieldBytes, fieldEnds, sources, result: buffer };
  }

  /** Bytes of source s's keys in a result: its digests' fingerprints only, when that is what the index holds. */
  private keyBytesOut(s: number, w: SourceWork): number {
    return this.fingerprinted[s] ? w.ok * FINGERPRINT_BYTES : w.keys.used;
  }

  /** Profile p's record: its kept values, unquoted, each after its length; its end to fieldEnds[p]. */
  private keep(buf: Buffer, p: number): void {
    const sc = this.scanner;
    const fields = this.fields;
    // Room made for the record in `records`.
    const dst = fields.bytes;
    for (const c of this.plan.keptColumns) {
      const fs = sc.starts[c];
      const fe = sc.ends[c];
      // The length's room is chosen on the raw value, which the unquoted one never exceeds.
      const long = fe - fs >= FIELD_LONG;
      const head = fields.used;
      const at = head + (long ? 5 : 1);
      let n: number;
      if (fe > fs && buf[fs] === this.dialect.quote) {
        n = decodeField(buf, fs, fe, this.dialect, dst.subarray(at));
        // Quoting the scanner let through but that does not decode: kept as it is.
        if (n < 0) n = buf.copy(dst, at, fs, fe);
      } else if (fe - fs < 32) {
        // A short value by hand: a native copy per field costs more than the copy.
        n = fe - fs;
        for (let i = 0; i < n; i++) dst[at + i] = buf[fs + i];
      } else {
        n = buf.copy(dst, at, fs, fe);
      }
      if (long) {
        dst[head] = FIELD_LONG;
        dst.writeUInt32LE(n, head + 1);
      } else {
        dst[head] = n;
      }
      fields.used = at + n;
    }
    this.fieldEnds[p] = fields.used;
  }

  /** Source s's key of profile p (the chunk's p-th). */
  private key(s: number, buf: Buffer, x: SourceWork, p: number): void {
    const plan = this.plan.sources[s];
    const sc = this.scanner;
    let src: Buffer = buf;
    let start = sc.starts[plan.column];
    let end = sc.ends[plan.column];
    if (end > start && buf[start] === this.dialect.quote) {
      const u = this.unquoted;
      u.ensure(end - start);
      const n = decodeField(buf, start, end, this.dialect, u.bytes);
      if (n < 0) {
        x.status[p] = KEY_INVALID;
        return;
      }
      src = u.bytes;
      start = 0;
      end = n;
    }
    let status: number;
    if (!plan.hashed) {
      status = this.forms.write(plan.form, src, start, end, x.keys);
      if (status === KEY_OK) x.ends[x.ok] = x.keys.used;
    } else {
      status = this.digestKey(plan.form, plan.hexIsDigest, src, start, end, x);
    }
    x.status[p] = status;
    if (status === KEY_OK) x.ok++;
  }

  /**
   * Queues the key's form for hashing into the next digest slot (or decodes a digest given as
   * hex). An ASCII value is written straight into the queue (KeyForms.writeAsciiInto); what that
   * leaves undecided through KeyForms.write.
   */
  private digestKey(form: number, hexIsDigest: boolean, src: Buffer, start: number, end: number, x: SourceWork): number {
    let ts = start;
    let te = end;
    while (ts < te && isAsciiSpace(src[ts])) ts++;
    while (te > ts && isAsciiSpace(src[te - 1])) te--;
    // `write` trims as JavaScript's trim(), which the ASCII spaces are part of.
    if (ts === te) return KEY_EMPTY;
    const slot = x.ok * DIGEST_BYTES;
    if (hexIsDigest && isHex64(src, ts, te)) {
      decodeHexStrictInto(src, ts, te, x.keys.bytes, slot);
      return KEY_OK;
    }
    const q = x.forms;
    if (q.used + (te - ts) + ASCII_ROOM > q.bytes.length) q.ensure(te - ts + ASCII_ROOM);
    const from = q.used;
    const n = this.forms.writeAsciiInto(form, src, ts, te, q.bytes, from);
    if (n === KEY_INVALID_AT) return KEY_INVALID;
    if (n === UNDECIDED) {
      const status = this.forms.write(form, src, ts, te, q);
      if (status !== KEY_OK) return status;
    } else {
      q.used = from + n;
    }
    const k = x.queued++;
    x.formStarts[k] = from;
    x.formEnds[k] = q.used;
    x.slots[k] = slot;
    return KEY_OK;
  }
}

/**
 * The first FINGERPRINT_WORDS words of each of `keys` digests (DIGEST_BYTES apart) in `from`,
 * back to back into `to`. A function of its own: the loop in a closure made per chunk took
 * ~20 ns a key, its code made (and thrown away) chunk after chunk.
 */
function copyFingerprints(from: Uint32Array, to: Uint32Array, keys: number): void {
  const stride = DIGEST_BYTES >>> 2;
  for (let k = 0, i = 0, o = 0; k < keys; k++, i += stride, o += FINGERPRINT_WORDS) {
    for (let j = 0; j < FINGERPRINT_WORDS; j++) to[o + j] = from[i + j];
  }
}

/** One source's room while a chunk is read. */
interface SourceWork {
  status: Uint8Array;
  /** Digest slots (DIGEST_BYTES each) of a hashed source, the text keys of another. */
  readonly keys: Bytes;
  ends: Uint32Array;
  ok: number;
  /** A hashed source's queue: the forms to hash, back to back, each's range and digest slot. */
  readonly forms: Bytes;
  formStarts: Int32Array;
  formEnds: Int32Array;
  slots: Int32Array;
  queued: number;
}
