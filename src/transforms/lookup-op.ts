/**
 * lookup (import-audience, issue 12): the column's incoming IDs matched against the profile
 * index every worker reads in place (WorkerInit.shared), by the data sources `params.lookup`
 * lists in the order they are tried (src/worker/lookup-match.ts holds the matching rules). One
 * batch per chunk while the column is read ('after': what a row holds is known only then). A
 * matched record is written with its ID as received and, through the output plan's lookup
 * fields, its profile's kept fields and its source's label; an unmatched one is neither written
 * nor rejected: it is counted with its reason and sent back (ChunkResult.lookup) for --unmatched.
 */
import { KIND_VALIDATED, R_UNMATCHED } from '../protocol/codes.js';
import { LOOKUP_LABEL, type ChunkResult, type LookupParams, type OpParams } from '../protocol/messages.js';
import { RunError } from '../errors/errors.js';
import { FIELD_ASCII, FIELD_NOT_ASCII, type FieldReader, type ValueWriter } from '../formats/worker-format.js';
import { currentIndexView, type ProfileIndexView } from '../worker/lookup.js';
import { IdMatcher, MATCHED, type MatchSource } from '../worker/lookup-match.js';
import { Bytes, copyInto, Int32List, isAsciiSpace } from './byte-buffers.js';
import type { ChunkColumn, ColumnRunner, OpContext, OpDefinition } from './op.js';

/** IDs whose profiles' kept fields are touched together, one group ahead of their copy (see `read`). */
const TOUCH_GROUP = 64;

class LookupColumn implements ColumnRunner {
  private readonly params: LookupParams;
  private readonly labels: Buffer[];
  private view: ProfileIndexView | undefined;
  private matcher: IdMatcher | undefined;
  /** The chunk's standing IDs back to back (trimmed, unquoted), and per item its record. */
  private readonly ids = new Bytes(1 << 16);
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private records = new Int32Array(1024);
  /** Per record of the chunk: its profile and the source (index) that matched, or -1. */
  private profile = new Int32Array(1024);
  private source = new Int32Array(1024);
  /** Per record of the chunk: 1 when its field is exactly 64 hex digits (untrimmed, unquoted), written as such. */
  private hexField = new Uint8Array(1024);
  /** Per unmatched item (record order): its item number, and its reason. */
  private readonly unmatched = new Int32List();
  private reasons: Uint8Array = new Uint8Array(0);
  private readBy: Uint32Array = new Uint32Array(0);
  private badFor: Uint32Array = new Uint32Array(0);
  private plain: { bytes: Buffer; starts: Int32Array; ends: Int32Array; by: Int32Array } | undefined;
  private col: ChunkColumn | undefined;
  private count = 0;

  constructor(
    params: OpParams,
    private readonly ctx: OpContext,
  ) {
    if (params.lookup === undefined) throw new RunError('ERR_INTERNAL', 'a lookup column needs its data sources');
    this.params = params.lookup;
    this.labels = this.params.labels.map((l) => Buffer.from(l, 'utf8'));
    for (const s of this.params.sources) {
      if (s.key !== undefined && ctx.keys[s.key] === undefined) throw new RunError('ERR_INTERNAL', 'a lookup AES source needs a key and an IV');
    }
  }

  /** The index's view for this task, and a matcher for it (a new one when the index was published again). */
  private matcherFor(): IdMatcher {
    const view = currentIndexView(this.ctx.shared, this.params.defaultCountry);
    if (view !== this.view || this.matcher === undefined) {
      if (view.sourceCount !== this.params.labels.length) throw new RunError('ERR_INTERNAL', `the profile index has ${view.sourceCount} data sources, the plan ${this.params.labels.length}`);
      const sources: MatchSource[] = this.params.sources.map((s) => {
        if (s.key === undefined) return { index: s.index };
        const k = this.ctx.keys[s.key];
        return { index: s.index, aes: { key: k.key, iv: k.iv, encoding: s.encoding ?? 'hex' }, keepPlain: s.keepPlain === true };
      });
      this.view = view;
      this.matcher = new IdMatcher(view, sources);
    }
    return this.matcher;
  }

  read(col: ChunkColumn): void {
    const { src, count, starts, ends, reasons, kinds, fields } = col;
    this.col = col;
    this.count = count;
    if (this.profile.length < count) {
      const n = Math.max(count, 2 * this.profile.length);
      this.profile = new Int32Array(n);
      this.source = new Int32Array(n);
      this.hexField = new Uint8Array(n);
      this.starts = new Int32Array(n);
      this.ends = new Int32Array(n);
      this.records = new Int32Array(n);
    }
    this.profile.fill(-1, 0, count);
    this.hexField.fill(0, 0, count);
    this.unmatched.count = 0;
    const ids = this.ids;
    ids.used = 0;
    let n = 0;
    // While every ID so far is a range of the chunk itself (AAM fields, unquoted CSV), the matcher reads them there: no copy.
    let direct = true;
    const matcher = this.matcherFor();
    // A format without quoting (no decodeRaw: a value is its bytes) whose IDs the matcher reads as 64
    // hex digits: each one is decoded here, once, and one that is needs no other reading (hex digits
    // are ASCII, the value is the field trimmed); the others are read as the format reads them.
    const hexFirst = matcher.readsHex && fields.decodeRaw === undefined;
    if (hexFirst) matcher.prepare(count);
    for (let r = 0; r < count; r++) {
      if (reasons[r] !== -1) continue;
      let from: Buffer;
      let s = starts[r];
      let e = ends[r];
      let status: number = FIELD_ASCII;
      let decoded = false;
      if (hexFirst) {
        while (s < e && isAsciiSpace(src[s])) s++;
        while (e > s && isAsciiSpace(src[e - 1])) e--;
        decoded = e - s === 64 && matcher.decodeHex(n, src, s, e);
      }
      if (decoded) {
        from = src;
        if (s === starts[r] && e === ends[r]) this.hexField[r] = 1;
      } else if ((status = fields.asciiRange(src, starts[r], ends[r])) === FIELD_ASCII) {
        from = fields.asciiSrc;
        s = fields.asciiStart;
        e = fields.asciiEnd;
      } else if (status === FIELD_NOT_ASCII) {
        const text = fields.decodeText(src, starts[r], ends[r]);
        if (typeof text === 'number') {
          col.fail(r, text);
          continue;
        }
        from = Buffer.from(text, 'utf8');
        s = 0;
        e = from.length;
      } else {
        col.fail(r, status);
        continue;
      }
      if (hexFirst && !decoded) matcher.decodeHex(n, from, s, e);
      this.records[n] = r;
      if (direct && from === src) {
        this.starts[n] = s;
        this.ends[n] = e;
        n++;
        continue;
      }
      if (direct) {
        // The first ID that is not: those before it are copied too, so that all of them are in one buffer.
        direct = false;
        for (let i = 0; i < n; i++) {
          const a = this.starts[i];
          const b = this.ends[i];
          ids.ensure(b - a);
          this.starts[i] = ids.used;
          src.copy(ids.bytes, ids.used, a, b);
          ids.used += b - a;
          this.ends[i] = ids.used;
        }
      }
      ids.ensure(e - s);
      this.starts[n] = ids.used;
      from.copy(ids.bytes, ids.used, s, e);
      ids.used += e - s;
      this.ends[n] = ids.used;
      n++;
    }
    if (n === 0) return;
    const result = matcher.match(direct ? src : ids.bytes, this.starts, this.ends, n, hexFirst);
    this.reasons = result.reasons;
    this.readBy = result.readBy;
    this.badFor = result.badFor;
    this.plain = this.params.sources.some((s) => s.keepPlain) ? result.plain : undefined;
    // The rows read the matched profiles' kept fields: the shared lines touched first, many misses at
    // once, then the fields copied next to each other for the rows, which find them in the cache.
    // A group at a time, the next group's touched before this one is copied: touched a whole chunk
    // (thousands of profiles) ahead, the first lines were out of the cache again when copied.
    const view = this.view!;
    const profiles = result.profiles;
    view.prefetchFields(profiles.subarray(0, Math.min(n, TOUCH_GROUP)), Math.min(n, TOUCH_GROUP));
    const F = view.fieldCount;
    if (this.keptStart.length < count * F) {
      this.keptStart = new Int32Array(Math.max(count * F, 2 * this.keptStart.length));
      this.keptEnd = new Int32Array(this.keptStart.length);
    }
    if (this.fieldStarts.length < F) {
      this.fieldStarts = new Int32Array(F);
      this.fieldEnds = new Int32Array(F);
    }
    const kept = this.kept;
    kept.used = 0;
    const { fieldStarts, fieldEnds, keptStart, keptEnd } = this;
    for (let i = 0; i < n; i++) {
      if (i % TOUCH_GROUP === 0 && i + TOUCH_GROUP < n) {
        const to = Math.min(n, i + 2 * TOUCH_GROUP);
        view.prefetchFields(profiles.subarray(i + TOUCH_GROUP, to), to - i - TOUCH_GROUP);
      }
      const r = this.records[i];
      if (result.reasons[i] === MATCHED) {
        const p = result.profiles[i];
        this.profile[r] = p;
        this.source[r] = result.sources[i];
        kinds[r] = KIND_VALIDATED;
        const bytes = view.fieldRanges(p, fieldStarts, fieldEnds);
        // The profile's values lie in order, each after its length: copied as one run, lengths and all.
        const from = fieldStarts[0];
        const base = kept.used - from;
        for (let f = 0; f < F; f++) {
          keptStart[r * F + f] = base + fieldStarts[f];
          keptEnd[r * F + f] = base + fieldEnds[f];
        }
        copyInto(kept, bytes, from, fieldEnds[F - 1]);
      } else {
        col.fail(r, R_UNMATCHED);
        this.unmatched.push(i);
      }
    }
  }

  /** The ID as received (unquoted, untrimmed). */
  write(r: number, w: ValueWriter): void {
    const col = this.col!;
    if (this.hexField[r] === 1) {
      // Hex digits are text no format quotes (ValueWriter.reserve): copied, not scanned for quoting.
      const at = w.reserve(64);
      const dst = w.out.bytes;
      const src = col.src;
      for (let i = 0, from = col.starts[r]; i < 64; i++) dst[at + i] = src[from + i];
      return;
    }
    writeRaw(col.fields, col.src, col.starts[r], col.ends[r], w);
  }

  writeLookup(r: number, field: number, w: ValueWriter): void {
    const p = this.profile[r];
    if (p < 0) return;
    if (field === LOOKUP_LABEL) {
      const label = this.labels[this.source[r]];
      w.value(label, 0, label.length);
      return;
    }
    const k = r * this.view!.fieldCount + field;
    w.value(this.kept.bytes, this.keptStart[k], this.keptEnd[k]);
  }
  /** The matched records' kept fields, copied from the index as the chunk is read: record r's field f at kept[keptStart[r * F + f], keptEnd[...]). */
  private readonly kept = new Bytes(1 << 16);
  private keptStart = new Int32Array(0);
  private keptEnd = new Int32Array(0);
  private fieldStarts = new Int32Array(8);
  private fieldEnds = new Int32Array(8);

  extra(table: { readonly line: Int32Array; readonly reason: Int32Array }): Partial<ChunkResult> {
    const nsources = this.params.labels.length;
    const matched = new Float64Array(nsources);
    const unmatchedBySource = new Float64Array(2 * nsources);
    for (let r = 0; r < this.count; r++) if (this.profile[r] >= 0 && table.reason[r] === -1) matched[this.source[r]]++;
    const u = this.unmatched;
    const count = u.count;
    const lines = new Int32Array(count);
    const reasons = new Uint8Array(count);
    const idOffsets = new Int32Array(count + 1);
    const col = this.col;
    const keepIds = this.params.keepUnmatched === true;
    const raw = new Bytes(keepIds ? 64 + count * 40 : 1);
    const keep = this.plain;
    const plainBytes = keep ? new Bytes(64 + count * 24) : undefined;
    const plainOffsets = keep ? new Int32Array(count + 1) : undefined;
    const plainSources = keep ? new Int32Array(count).fill(-1) : undefined;
    const order = this.params.sources;
    for (let j = 0; j < count; j++) {
      const i = u.values[j];
      const r = this.records[i];
      const reason = this.reasons[i];
      lines[j] = table.line[r];
      reasons[j] = reason;
      // Per source: bit k of the masks is the k-th source tried.
      const readBy = this.readBy[i];
      const badFor = this.badFor[i];
      for (let k = 0; k < order.length && k < 32; k++) {
        if (reason === 1 && (readBy & (1 << k)) !== 0) unmatchedBySource[2 * order[k].index]++;
        else if (reason === 2 && (badFor & (1 << k)) !== 0) unmatchedBySource[2 * order[k].index + 1]++;
      }
      if (keepIds) writeRaw(col!.fields, col!.src, col!.starts[r], col!.ends[r], raw);
      idOffsets[j + 1] = raw.used;
      if (keep && plainBytes && plainOffsets && plainSources) {
        const s = keep.starts[i];
        if (s >= 0) {
          const e = keep.ends[i];
          plainBytes.ensure(e - s);
          keep.bytes.copy(plainBytes.bytes, plainBytes.used, s, e);
          plainBytes.used += e - s;
          plainSources[j] = order[keep.by[i]].index;
        }
        plainOffsets[j + 1] = plainBytes.used;
      }
    }
    return {
      lookup: {
        matched,
        unmatchedBySource,
        unmatched: count,
        lines,
        reasons,
        ids: own(raw),
        idOffsets,
        ...(plainBytes && plainOffsets && plainSources ? { plain: { bytes: own(plainBytes), offsets: plainOffsets, sources: plainSources } } : {}),
      },
    };
  }
}

/** A buffer of its own (transferable) holding the first `used` bytes. */
function own(b: Bytes): ArrayBuffer {
  const out = new ArrayBuffer(b.used);
  new Uint8Array(out).set(b.bytes.subarray(0, b.used));
  return out;
}

/** Something bytes can be written to: an output row (ValueWriter) or a Bytes buffer. */
type RawTarget = ValueWriter | Bytes;

/** The field's value as received: unquoted and unescaped (a format with quoting), untrimmed. */
function writeRaw(fields: FieldReader, src: Buffer, s: number, e: number, to: RawTarget): void {
  let from = src;
  if (fields.decodeRaw !== undefined) {
    if (!fields.decodeRaw(src, s, e)) return;
    from = fields.rawSrc!;
    s = fields.rawStart!;
    e = fields.rawEnd!;
  }
  if (to instanceof Bytes) {
    to.ensure(e - s);
    from.copy(to.bytes, to.used, s, e);
    to.used += e - s;
  } else {
    to.value(from, s, e);
  }
}

export const lookup: OpDefinition = { length: 'after', create: (params, ctx) => new LookupColumn(params, ctx) };
