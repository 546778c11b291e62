/**
 * Builds a job's profile index in shared memory (layout: src/protocol/profile-index.ts) as the
 * profile table is read, once: per data source, each profile's key in its matched form (the
 * SHA-256 of the hash method's input, or the normalised e-mail / phone / trimmed key as text)
 * into its key table (key-table.ts); the kept fields (profiles.id first) in an arena.
 * Duplicate keys: the first profile in table order keeps the key, the others are counted per
 * data source, as are empty and invalid keys. Every profile read is in each source's counts
 * exactly once: indexed + duplicates + empty + invalid = profiles.
 */
import { ConfigError } from '../errors/errors.js';
import { decodeField } from '../formats/csv/field-codec.js';
import type { RecordScanner } from '../formats/csv/scan.js';
import {
  DIGEST_BYTES, FORM_EMAIL, FORM_EXACT, FORM_LOWER, FORM_PHONE, FORM_PHONE_PLUS, FORM_PLAIN, INDEX_MAGIC, INDEX_VERSION, KEYS_DIGEST, KEYS_TEXT,
  M_FIELDS, M_HEADER_WORDS, M_MAGIC, M_PROFILES, M_SOURCE_WORDS, M_SOURCES, M_VERSION, S_DUPLICATES, S_EMPTY, S_ENTRIES, S_FORM, S_INVALID, S_KEYS, S_MASK,
} from '../protocol/profile-index.js';
import { decodeHexStrictInto, isHex64 } from '../transforms/encoding.js';
import { Bytes } from '../transforms/byte-buffers.js';
import { Sha256Batch } from '../transforms/sha256-batch.js';
import { KEY_EMPTY, KEY_INVALID, KEY_OK, KeyForms } from '../worker/lookup-key.js';
import { SharedBytesWriter, SharedWordsWriter, type IndexRegions } from './index-layout.js';
import { KeyTable } from './key-table.js';
import type { DataSource, Protection, ReconcileJob } from './job-types.js';
import { matchedColumn } from './job-types.js';
import type { ProfileSource } from './profiles/source.js';
import { PROFILE_DIALECT, readProfileTable, type TableFlaw } from './profiles/table-reader.js';

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
  readonly table: KeyTable;
  /** KEYS_DIGEST: the block's digests, slot k for profile blockStart + k, hashed in one call; and which slots hold one. */
  readonly batch: Sha256Batch | undefined;
  readonly digests: Buffer | undefined;
  readonly digestWords: Uint32Array | undefined;
  readonly queued: Uint8Array | undefined;
  empty = 0;
  invalid = 0;

  constructor(
    readonly source: DataSource,
    readonly plan: KeyPlan,
    regions: IndexRegions,
    s: number,
  ) {
    this.table = new KeyTable(plan.keys, { keys: regions.keys[s], keyEnds: regions.keyEnds[s], owners: regions.owners[s] }, regions.slots[s]);
    if (plan.keys === KEYS_DIGEST) {
      this.batch = new Sha256Batch();
      const block = new ArrayBuffer(BLOCK * DIGEST_BYTES);
      this.digests = Buffer.from(block);
      this.digestWords = new Uint32Array(block);
      this.queued = new Uint8Array(BLOCK);
    }
  }

  get counts(): Omit<SourceIndexCounts, 'alias' | 'label'> {
    return { indexed: this.table.entries, duplicates: this.table.duplicates, empty: this.empty, invalid: this.invalid };
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
  /** Bytes of the records read, until the key tables are sized (see below). */
  let recordBytes = 0;
  let sized = false;
  const sizeHint = table.sizeHint?.();
  const flawedByReason: Record<TableFlaw, number> = { field_count: 0, bad_quote: 0, record_too_large: 0 };
  const flawedLines: number[] = [];

  /** Hashes the block's queued keys and adds them in table order. */
  const flushDigests = (): void => {
    const n = profiles - blockStart;
    for (const b of builds) {
      if (b.batch === undefined) continue;
      const queued = b.queued as Uint8Array;
      const words = b.digestWords as Uint32Array;
      b.batch.fillDigests(b.digests as Buffer);
      for (let k = 0; k < n; k++) if (queued[k] === 1) b.table.addDigest(words, k * (DIGEST_BYTES >>> 2), blockStart + k);
      queued.fill(0);
    }
    blockStart = profiles;
    // The first block tells how many profiles a table of known size holds, and what share of
    // them each source keeps: each key table is sized for its share (a tenth more) now, not
    // doubled its way there.
    if (!sized && sizeHint !== undefined && profiles > 0) {
      const expected = (1.1 * sizeHint * profiles) / recordBytes;
      for (const b of builds) b.table.reserve(Math.ceil((expected * b.table.entries) / profiles));
    }
    sized = true;
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
        if (!sized) recordBytes += sc.recordEnd - sc.starts[0] + 1;
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
              b.invalid++;
              continue;
            }
            src = unquoted.bytes;
            s = 0;
            e = n;
          }
          if (b.plan.keys === KEYS_TEXT) textKey(b, forms, src, s, e, p);
          else digestKey(b, forms, scratch, src, s, e, p - blockStart);
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
    const w = M_HEADER_WORDS + s * M_SOURCE_WORDS;
    const counts = b.counts;
    words[w + S_KEYS] = b.plan.keys;
    words[w + S_FORM] = b.plan.form;
    words[w + S_MASK] = b.table.slotMask;
    words[w + S_ENTRIES] = counts.indexed;
    words[w + S_DUPLICATES] = counts.duplicates;
    words[w + S_EMPTY] = counts.empty;
    words[w + S_INVALID] = counts.invalid;
    if (b.plan.keys === KEYS_DIGEST) regions.keyEnds[s].publishWritten(0);
    bytes += b.table.publish();
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

/** Appends the key's matched form to the source's key arena and adds it for profile p. */
function textKey(b: SourceBuild, forms: KeyForms, src: Buffer, s: number, e: number, p: number): void {
  const status = forms.write(b.plan.form, src, s, e, b.table.keys);
  if (status === KEY_OK) b.table.addText(p);
  else if (status === KEY_EMPTY) b.empty++;
  else b.invalid++;
}

/** Queues the key's form for hashing into slot k of the block (or decodes a digest given as hex). */
function digestKey(b: SourceBuild, forms: KeyForms, scratch: Bytes, src: Buffer, s: number, e: number, k: number): void {
  let ts = s;
  let te = e;
  while (ts < te && (src[ts] === 0x20 || (src[ts] >= 0x09 && src[ts] <= 0x0d))) ts++;
  while (te > ts && (src[te - 1] === 0x20 || (src[te - 1] >= 0x09 && src[te - 1] <= 0x0d))) te--;
  const queued = b.queued as Uint8Array;
  if (b.plan.hexIsDigest && isHex64(src, ts, te)) {
    decodeHexStrictInto(src, ts, te, b.digests as Buffer, k * DIGEST_BYTES);
    queued[k] = 1;
    return;
  }
  scratch.used = 0;
  const status = forms.write(b.plan.form, src, s, e, scratch);
  if (status === KEY_EMPTY) {
    b.empty++;
    return;
  }
  if (status === KEY_INVALID) {
    b.invalid++;
    return;
  }
  const batch = b.batch as Sha256Batch;
  const n = scratch.used;
  const at = batch.begin(n);
  scratch.bytes.copy(batch.bytes, at, 0, n);
  batch.place(batch.commit(at, at + n), k * DIGEST_BYTES);
  queued[k] = 1;
}
