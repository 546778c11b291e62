/**
 * Builds a job's profile index in shared memory (layout: src/protocol/profile-index.ts) as the
 * profile table is read, once: per data source, each profile's key in its matched form (the
 * SHA-256 of the hash method's input, or the normalised e-mail / phone / trimmed key as text),
 * then an open-addressing table over them; the kept fields (profiles.id first) in an arena.
 * Duplicate keys: the first profile in table order keeps the key, the others are counted per
 * data source, as are empty and invalid keys. Every profile read is in each source's counts
 * exactly once: indexed + duplicates + empty + invalid = profiles.
 */
import { ConfigError } from '../errors/errors.js';
import { decodeField } from '../formats/csv/field-codec.js';
import type { RecordScanner } from '../formats/csv/scan.js';
import {
  DIGEST_BYTES, FORM_EMAIL, FORM_EXACT, FORM_LOWER, FORM_PHONE, FORM_PHONE_PLUS, FORM_PLAIN, INDEX_MAGIC, INDEX_VERSION, keyHash, KEYS_DIGEST, KEYS_TEXT,
  M_FIELDS, M_HEADER_WORDS, M_MAGIC, M_PROFILES, M_SOURCE_WORDS, M_SOURCES, M_VERSION, S_DUPLICATES, S_EMPTY, S_ENTRIES, S_FORM, S_INVALID, S_KEYS, S_MASK, slotCount,
} from '../protocol/profile-index.js';
import { SHARED_HEADER_BYTES } from '../protocol/shared-layout.js';
import { decodeHexStrictInto, isHex64 } from '../transforms/encoding.js';
import { Bytes } from '../transforms/byte-buffers.js';
import { Sha256Batch } from '../transforms/sha256-batch.js';
import { KEY_EMPTY, KEY_INVALID, KEY_OK, KeyForms } from '../worker/lookup-key.js';
import { SharedBytesWriter, SharedWordsWriter, type IndexRegions } from './index-layout.js';
import type { DataSource, Protection, ReconcileJob } from './job-types.js';
import { matchedColumn } from './job-types.js';
import type { ProfileSource } from './profiles/source.js';
import { PROFILE_DIALECT, readProfileTable, type TableFlaw } from './profiles/table-reader.js';

/** A key that is the same as an earlier profile's (status only during the build). */
const KEY_DUPLICATE = 3;
/** Profiles whose digests are computed in one call of the batch. */
const BLOCK = 8192;
/** Lines of flawed records the report lists (the count is always whole). */
const LISTED_LINES = 20;

export interface SourceIndexCounts {
  readonly alias: string;
  readonly label: string;
  /** Profiles whose key is in the index: the distinct keys. */
  readonly indexed: number;
  /** Profiles whose key an earlier profile has. */
  readonly duplicates: number;
  readonly empty: number;
  /** Not an address, not a phone number, not UTF-8. */
  readonly invalid: number;
}

export interface ProfileIndexReport {
  /** The table's description (a path, or the PostgreSQL server): no secret. */
  readonly table: string;
  /** Records that became profiles, numbered 0.. in table order. */
  readonly profiles: number;
  /** Lines that are no profile (see TableFlaw), by reason, and the first ones' line numbers. */
  readonly flawed: number;
  readonly flawedByReason: Readonly<Record<TableFlaw, number>>;
  readonly flawedLines: readonly number[];
  readonly blankLines: number;
  readonly sources: readonly SourceIndexCounts[];
  /** Bytes of shared memory the index holds. */
  readonly bytes: number;
}

/** How one source's keys are read and held. */
interface KeyPlan {
  readonly keys: typeof KEYS_DIGEST | typeof KEYS_TEXT;
  readonly form: number;
  /** A value of 64 hex digits is already the digest (never hashed twice). */
  readonly hexIsDigest: boolean;
}

export function keyPlan(p: Protection): KeyPlan {
  if (p.kind === 'none') return { keys: KEYS_TEXT, form: FORM_PLAIN, hexIsDigest: false };
  if (p.kind === 'aes') return { keys: KEYS_TEXT, form: p.channel === 'email' ? FORM_EMAIL : p.channel === 'sms' ? FORM_PHONE : FORM_PLAIN, hexIsDigest: false };
  switch (p.method) {
    case 'sha256': return { keys: KEYS_DIGEST, form: FORM_EXACT, hexIsDigest: false };
    case 'sha256_lc': return { keys: KEYS_DIGEST, form: FORM_LOWER, hexIsDigest: false };
    case 'email_lc_sha256': return { keys: KEYS_DIGEST, form: FORM_EMAIL, hexIsDigest: true };
    case 'phone_sha256': return { keys: KEYS_DIGEST, form: FORM_PHONE, hexIsDigest: true };
    case 'phone_sha256_e164': return { keys: KEYS_DIGEST, form: FORM_PHONE_PLUS, hexIsDigest: true };
  }
}

/** One data source during the build. */
class SourceBuild {
  column = -1;
  status = new Uint8Array(1 << 16);
  readonly keys: SharedBytesWriter;
  readonly ends: SharedWordsWriter | undefined;
  readonly batch: Sha256Batch | undefined;
  readonly digests: Buffer | undefined;
  counts = { indexed: 0, duplicates: 0, empty: 0, invalid: 0 };

  constructor(
    readonly source: DataSource,
    readonly plan: KeyPlan,
    regions: IndexRegions,
    s: number,
  ) {
    this.keys = new SharedBytesWriter(regions.keys[s]);
    if (plan.keys === KEYS_TEXT) {
      this.ends = new SharedWordsWriter(regions.keyEnds[s]);
    } else {
      this.batch = new Sha256Batch();
      this.digests = Buffer.alloc(BLOCK * DIGEST_BYTES);
    }
  }

  setStatus(p: number, status: number): void {
    if (p === this.status.length) {
      const grown = new Uint8Array(2 * p);
      grown.set(this.status);
      this.status = grown;
    }
    this.status[p] = status;
  }
}

export interface BuildOptions {
  /** The plan of national phone numbers (phone hash methods, AES channel sms). */
  readonly defaultCountry?: string;
  readonly maxRecordBytes?: number;
  readonly signal?: AbortSignal;
}

/**
 * Reads `table` once and publishes the index into `regions` (defined by defineIndexRegions for
 * this job's sources). Throws ConfigError ERR_JOB for a column the table lacks, RunError
 * ERR_PROFILES when the table cannot be read.
 */
export async function buildProfileIndex(job: ReconcileJob, table: ProfileSource, regions: IndexRegions, opts: BuildOptions = {}): Promise<ProfileIndexReport> {
  const builds = job.dataSources.map((source, s) => new SourceBuild(source, keyPlan(source.protection), regions, s));
  const forms = new KeyForms(opts.defaultCountry);
  const fields = new SharedBytesWriter(regions.fields);
  const fieldEnds = new SharedWordsWriter(regions.fieldEnds);
  let fieldColumns: number[] = [];
  const scratch = new Bytes(1 << 12);
  const unquoted = new Bytes(1 << 12);
  let profiles = 0;
  /** The first profile of the block whose digests are queued. */
  let blockStart = 0;
  const flawedByReason: Record<TableFlaw, number> = { field_count: 0, bad_quote: 0, record_too_large: 0 };
  const flawedLines: number[] = [];

  const flushDigests = (): void => {
    const n = profiles - blockStart;
    for (const b of builds) {
      if (b.batch === undefined || b.digests === undefined) continue;
      b.batch.fillDigests(b.digests);
      b.keys.ensure(profiles * DIGEST_BYTES - b.keys.used);
      b.keys.bytes.set(b.digests.subarray(0, n * DIGEST_BYTES), blockStart * DIGEST_BYTES);
      b.keys.used = profiles * DIGEST_BYTES;
      b.digests.fill(0);
    }
    blockStart = profiles;
  };

  const stats = await readProfileTable(
    table,
    {
      header(names) {
        const column = (name: string, path: string): number => {
          const i = names.indexOf(name);
          if (i < 0) {
            const shown = names.length > 20 ? `${names.slice(0, 20).join(', ')}, ...` : names.join(', ');
            throw new ConfigError(`--job: ${path}: column '${name}' is not in the profile table ${table.description} (its columns: ${shown})`, 'job', undefined, 'ERR_JOB');
          }
          return i;
        };
        fieldColumns = [column(job.profiles.id, 'profiles.id'), ...job.profiles.fields.map((f, i) => column(f, `profiles.fields[${i}]`))];
        if (job.profiles.email !== undefined) column(job.profiles.email, 'profiles.email');
        if (job.profiles.phone !== undefined) column(job.profiles.phone, 'profiles.phone');
        builds.forEach((b, s) => {
          column(b.source.key, `dataSources[${s}].key`);
          b.column = names.indexOf(matchedColumn(job, b.source));
        });
      },
      record(buf: Buffer, sc: RecordScanner) {
        const p = profiles++;
        for (const c of fieldColumns) {
          const fs = sc.starts[c];
          const fe = sc.ends[c];
          fields.ensure(fe - fs);
          if (fe > fs && buf[fs] === PROFILE_DIALECT.quote) {
            const n = decodeField(buf, fs, fe, PROFILE_DIALECT, fields.bytes.subarray(fields.used));
            // Quoting the scanner let through but that does not decode: kept as it is.
            if (n >= 0) fields.used += n;
            else fields.used += buf.copy(fields.bytes, fields.used, fs, fe);
          } else {
            fields.used += buf.copy(fields.bytes, fields.used, fs, fe);
          }
          fieldEnds.push(fields.used);
        }
        for (const b of builds) {
          let src: Buffer = buf;
          let s = sc.starts[b.column];
          let e = sc.ends[b.column];
          if (e > s && buf[s] === PROFILE_DIALECT.quote) {
            unquoted.ensure(e - s);
            const n = decodeField(buf, s, e, PROFILE_DIALECT, unquoted.bytes);
            if (n < 0) {
              b.counts.invalid++;
              b.setStatus(p, KEY_INVALID);
              b.ends?.push(b.keys.used);
              continue;
            }
            src = unquoted.bytes;
            s = 0;
            e = n;
          }
          b.setStatus(p, b.plan.keys === KEYS_TEXT ? textKey(b, forms, src, s, e) : digestKey(b, forms, scratch, src, s, e, (p - blockStart) * DIGEST_BYTES));
        }
        if (profiles - blockStart === BLOCK) flushDigests();
      },
      flawed(flaw, line) {
        flawedByReason[flaw]++;
        if (flawedLines.length < LISTED_LINES) flawedLines.push(line);
      },
    },
    { maxRecordBytes: opts.maxRecordBytes, signal: opts.signal },
  );
  flushDigests();

  const meta = new SharedWordsWriter(regions.meta);
  meta.grow(M_HEADER_WORDS + M_SOURCE_WORDS * builds.length);
  const words = meta.words;
  words[M_MAGIC] = INDEX_MAGIC;
  words[M_VERSION] = INDEX_VERSION;
  words[M_PROFILES] = profiles;
  words[M_SOURCES] = builds.length;
  words[M_FIELDS] = fieldColumns.length;
  let bytes = fields.used + 4 * fieldEnds.count;
  builds.forEach((b, s) => {
    const mask = buildSlots(b, profiles, regions.slots[s]);
    const w = M_HEADER_WORDS + s * M_SOURCE_WORDS;
    words[w + S_KEYS] = b.plan.keys;
    words[w + S_FORM] = b.plan.form;
    words[w + S_MASK] = mask;
    words[w + S_ENTRIES] = b.counts.indexed;
    words[w + S_DUPLICATES] = b.counts.duplicates;
    words[w + S_EMPTY] = b.counts.empty;
    words[w + S_INVALID] = b.counts.invalid;
    b.keys.publish();
    if (b.ends !== undefined) b.ends.publish();
    else regions.keyEnds[s].publishWritten(0);
    bytes += b.keys.used + 4 * (b.ends?.count ?? 0) + 4 * (mask + 1);
  });
  fields.publish();
  fieldEnds.publish();
  meta.count = M_HEADER_WORDS + M_SOURCE_WORDS * builds.length;
  // Last: a worker that sees the meta's new generation sees every region it describes.
  meta.publish();

  return {
    table: table.description,
    profiles,
    flawed: flawedByReason.field_count + flawedByReason.bad_quote + flawedByReason.record_too_large,
    flawedByReason,
    flawedLines,
    blankLines: stats.blankLines,
    sources: builds.map((b) => ({ alias: b.source.alias, label: b.source.label, ...b.counts })),
    bytes,
  };
}

/** Appends the key's matched form to the source's text arena; returns its status. */
function textKey(b: SourceBuild, forms: KeyForms, src: Buffer, s: number, e: number): number {
  const status = forms.write(b.plan.form, src, s, e, b.keys);
  (b.ends as SharedWordsWriter).push(b.keys.used);
  if (status === KEY_EMPTY) b.counts.empty++;
  else if (status === KEY_INVALID) b.counts.invalid++;
  return status;
}

/** Queues the key's form for hashing into digest slot `slot` of the block (or decodes a digest given as hex); returns its status. */
function digestKey(b: SourceBuild, forms: KeyForms, scratch: Bytes, src: Buffer, s: number, e: number, slot: number): number {
  let ts = s;
  let te = e;
  while (ts < te && (src[ts] === 0x20 || (src[ts] >= 0x09 && src[ts] <= 0x0d))) ts++;
  while (te > ts && (src[te - 1] === 0x20 || (src[te - 1] >= 0x09 && src[te - 1] <= 0x0d))) te--;
  if (b.plan.hexIsDigest && isHex64(src, ts, te)) {
    decodeHexStrictInto(src, ts, te, b.digests as Buffer, slot);
    return KEY_OK;
  }
  scratch.used = 0;
  const status = forms.write(b.plan.form, src, s, e, scratch);
  if (status === KEY_EMPTY) {
    b.counts.empty++;
    return status;
  }
  if (status === KEY_INVALID) {
    b.counts.invalid++;
    return status;
  }
  const batch = b.batch as Sha256Batch;
  const n = scratch.used;
  const at = batch.begin(n);
  scratch.bytes.copy(batch.bytes, at, 0, n);
  batch.place(batch.commit(at, at + n), slot);
  return KEY_OK;
}

/** Fills source b's slot table in table order (the first profile of a key keeps it); returns the mask. */
function buildSlots(b: SourceBuild, profiles: number, region: IndexRegions['slots'][number]): number {
  const status = b.status;
  let keyed = 0;
  for (let p = 0; p < profiles; p++) if (status[p] === KEY_OK) keyed++;
  const capacity = slotCount(keyed);
  region.ensureContent(4 * capacity);
  const slots = new Int32Array(region.buffer, SHARED_HEADER_BYTES, capacity);
  slots.fill(0);
  const mask = capacity - 1;
  let duplicates = 0;
  if (b.plan.keys === KEYS_DIGEST) {
    const words = new Uint32Array(b.keys.bytes.buffer, b.keys.bytes.byteOffset, (profiles * DIGEST_BYTES) >>> 2);
    for (let p = 0; p < profiles; p++) {
      if (status[p] !== KEY_OK) continue;
      const w = p * 8;
      let i = words[w] & mask;
      for (;;) {
        const q = slots[i];
        if (q === 0) {
          slots[i] = p + 1;
          break;
        }
        const v = (q - 1) * 8;
        if (words[v] === words[w] && words[v + 1] === words[w + 1] && words[v + 2] === words[w + 2] && words[v + 3] === words[w + 3]
          && words[v + 4] === words[w + 4] && words[v + 5] === words[w + 5] && words[v + 6] === words[w + 6] && words[v + 7] === words[w + 7]) {
          status[p] = KEY_DUPLICATE;
          duplicates++;
          break;
        }
        i = (i + 1) & mask;
      }
    }
  } else {
    const bytes = b.keys.bytes;
    const ends = (b.ends as SharedWordsWriter).words;
    for (let p = 0; p < profiles; p++) {
      if (status[p] !== KEY_OK) continue;
      const s = p === 0 ? 0 : ends[p - 1];
      const e = ends[p];
      let i = keyHash(bytes, s, e) & mask;
      for (;;) {
        const q = slots[i];
        if (q === 0) {
          slots[i] = p + 1;
          break;
        }
        const qs = q === 1 ? 0 : ends[q - 2];
        const qe = ends[q - 1];
        if (qe - qs === e - s && bytes.compare(bytes, s, e, qs, qe) === 0) {
          status[p] = KEY_DUPLICATE;
          duplicates++;
          break;
        }
        i = (i + 1) & mask;
      }
    }
  }
  b.counts.duplicates = duplicates;
  b.counts.indexed = keyed - duplicates;
  region.publishWritten(4 * capacity);
  return mask;
}
