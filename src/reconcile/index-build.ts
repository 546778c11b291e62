/**
 * Builds a job's profile index in shared memory (layout: src/protocol/profile-index.ts) as the
 * profile table is read, once. The table is cut into record-aligned chunks by the project's
 * chunker (src/pipeline/chunker.ts, the framing every CSV input of `process` goes through);
 * worker threads read the chunks (src/worker/lookup-build.ts: kept fields, and per data source
 * each profile's key in its matched form: a SHA-256 digest, or that of the normalised e-mail /
 * phone / trimmed key; the text itself with `fullKeys`), and this thread adds them in table order
 * to each source's key table (key-table.ts: 96-bit fingerprints by default) and the kept fields'
 * arena. Duplicate keys: the first profile in table order
 * keeps the key, the others are counted per data source, as are empty and invalid keys; every
 * profile is in each source's counts once: indexed + duplicates + empty + invalid = profiles.
 */
import { availableParallelism } from 'node:os';
import { ConfigError, RunError } from '../errors/errors.js';
import { parseHeader } from '../formats/csv/header.js';
import { CsvFraming } from '../formats/csv/framing.js';
import type { Dialect } from '../formats/csv/scan.js';
import { frameRecords } from '../pipeline/chunker.js';
import {
  DIGEST_BYTES, FINGERPRINT_WORDS, FORM_EMAIL, FORM_EXACT, FORM_LOWER, FORM_PHONE, FORM_PHONE_PLUS, FORM_PLAIN, FIELD_BLOCK, HELD_FINGERPRINT, HELD_FULL, INDEX_MAGIC, INDEX_VERSION, KEYS_DIGEST, KEYS_NONE, KEYS_TEXT,
  M_COUNTRY, M_FIELDS, M_HEADER_WORDS, M_MAGIC, M_PROFILES, M_SOURCE_WORDS, M_SOURCES, M_VERSION, S_DUPLICATES, S_EMPTY, S_ENTRIES, S_FORM, S_HELD, S_INVALID, S_KEYS, S_SLOTS,
} from '../protocol/profile-index.js';
import { KEY_EMPTY, KEY_OK } from '../worker/lookup-key.js';
import { FLAWS, type ChunkExtract, type ExtractPlan } from '../worker/lookup-build.js';
import { inThread, inWorkers, type ChunkReader } from './build-workers.js';
import { SharedBytesWriter, SharedWordsWriter, type IndexRegions } from './index-layout.js';
import { KeyTable } from './key-table.js';
import type { DataSource, Protection, ReconcileJob } from './job-types.js';
import { matchedColumn } from './job-types.js';
import type { ProfileSource } from './profiles/source.js';

/** PostgreSQL's COPY CSV and the usual exports: RFC 4180. */
const PROFILE_DIALECT: Dialect = { delimiter: 0x2c, quote: 0x22, escape: 0x22 };
const CHUNK_BYTES = 1 << 20;
/** Lines of flawed records the report lists (the count is always whole). */
const LISTED_LINES = 20;

export type TableFlaw = (typeof FLAWS)[number];

export interface SourceIndexCounts {
  readonly alias: string;
  readonly label: string;
  /** Whether the source's keys were read into the index (BuildOptions.sources); its counts are all 0 when not. */
  readonly built: boolean;
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
  /** What an incoming ID is: 64 hex digits (KEYS_DIGEST), or text in `form`. */
  readonly keys: typeof KEYS_DIGEST | typeof KEYS_TEXT;
  readonly form: number;
  /** A value of 64 hex digits is already the digest (never hashed twice). */
  readonly hexIsDigest: boolean;
  readonly held: typeof HELD_FINGERPRINT | typeof HELD_FULL;
  /** Whether the reader gives each key as a SHA-256 digest (all but text keys held in full). */
  readonly hashed: boolean;
}

/**
 * Fingerprints by default, for every source: at 10M profiles the full keys alone (32 bytes a
 * digest, ~29 an e-mail with its end) would take ~600 MB of the 1 GiB the whole build may use,
 * their 96-bit fingerprints ~250 MB, with a false match per run below 4 * 10^-15 (the
 * arithmetic: src/protocol/profile-index.ts). Full keys (`fullKeys`) confirm every match and
 * cost little for a table of a few hundred thousand profiles.
 */
export function keyPlan(p: Protection, fullKeys = false): KeyPlan {
  const held = fullKeys ? HELD_FULL : HELD_FINGERPRINT;
  const text = (form: number): KeyPlan => ({ keys: KEYS_TEXT, form, hexIsDigest: false, held, hashed: !fullKeys });
  const digest = (form: number, hexIsDigest: boolean): KeyPlan => ({ keys: KEYS_DIGEST, form, hexIsDigest, held, hashed: true });
  if (p.kind === 'none') return text(FORM_PLAIN);
  if (p.kind === 'aes') return text(p.channel === 'email' ? FORM_EMAIL : p.channel === 'sms' ? FORM_PHONE : FORM_PLAIN);
  switch (p.method) {
    case 'sha256': return digest(FORM_EXACT, false);
    case 'sha256_lc': return digest(FORM_LOWER, false);
    case 'email_lc_sha256': return digest(FORM_EMAIL, true);
    case 'phone_sha256': return digest(FORM_PHONE, true);
    case 'phone_sha256_e164': return digest(FORM_PHONE_PLUS, true);
  }
}

/** Uint32 words of a source's entry: a fingerprint, a digest held in full, or 0 (text held in full). */
const entryWidth = (plan: KeyPlan): number => (plan.held === HELD_FINGERPRINT ? FINGERPRINT_WORDS : plan.keys === KEYS_DIGEST ? DIGEST_BYTES >>> 2 : 0);

export interface BuildOptions {
  /**
   * The plan of national phone numbers (phone hash methods, AES channel sms): given, it is used
   * in place of the job's profiles.defaultCountry (a command's --default-country, say).
   */
  readonly defaultCountry?: string;
  readonly maxRecordBytes?: number;
  /**
   * Worker threads that read the chunks (default: one per core but one); 0 reads them all in
   * this thread. With fewer workers than cores this thread also reads a chunk whenever the
   * workers are two chunks behind: at 1M profiles on 2 cores, one worker and this thread spend
   * ~0.15 s less CPU than two workers (one isolate fewer to start and warm up) and end sooner.
   * The workers run the built module (dist/worker/lookup-build-entry.js).
   */
  readonly workers?: number;
  readonly signal?: AbortSignal;
  /**
   * Holds every key in full and confirms each match on it (what a table of a few hundred
   * thousand profiles can afford) instead of 96-bit fingerprints (the default, see keyPlan).
   */
  readonly fullKeys?: boolean;
  /**
   * The data sources (job indexes) whose keys are built, default all of them: a run that will
   * try only some (import-audience's --alias or the files' DPID) reads, hashes, normalises and
   * inserts no key of the others. Their regions stay empty and the meta marks them KEYS_NONE,
   * never to be probed; every source's columns are still checked against the header.
   */
  readonly sources?: readonly number[];
}

/**
 * Reads `table` once and publishes the index into `regions` (defined by defineIndexRegions for
 * this job's sources). Throws ConfigError ERR_JOB for a column the table lacks, RunError
 * ERR_PROFILES when the table cannot be read.
 */
export async function buildProfileIndex(job: ReconcileJob, table: ProfileSource, regions: IndexRegions, opts: BuildOptions = {}): Promise<ProfileIndexReport> {
  const plans = job.dataSources.map((s) => keyPlan(s.protection, opts.fullKeys === true));
  const defaultCountry = opts.defaultCountry ?? job.profiles.defaultCountry;
  const built = builtSources(job, opts.sources);
  const tables = job.dataSources.map((_, s) => (built.includes(s) ? new KeyTable(entryWidth(plans[s]), { keys: regions.keys[s], keyEnds: regions.keyEnds[s], owners: regions.owners[s] }, regions.slots[s]) : undefined));
  const counts = job.dataSources.map(() => ({ empty: 0, invalid: 0 }));
  const fields = new SharedBytesWriter(regions.fields);
  const fieldEnds = new SharedWordsWriter(regions.fieldEnds);
  const maxRecordBytes = opts.maxRecordBytes ?? 1 << 20;
  const flawedByReason: Record<TableFlaw, number> = { field_count: 0, bad_quote: 0, record_too_large: 0, bad_line_end: 0 };
  const flawedLines: number[] = [];
  const flawAt = (flaw: TableFlaw, line: number): void => {
    flawedByReason[flaw]++;
    if (flawedLines.length < LISTED_LINES) flawedLines.push(line);
  };
  let profiles = 0;
  let line = 1;
  let blankLines = 0;
  let recordBytes = 0;
  let sized = false;
  const sizeHint = table.sizeHint?.();

  /** Chunk buffers to fill again. */
  const spare: ArrayBuffer[] = [];
  /** Adds a chunk's profiles, in table order; `line` is its first line. */
  /** Result buffers added to the index, to be filled again. */
  const spareResults: ArrayBuffer[] = [];
  const add = (r: ChunkExtract): void => {
    if (r.chunk !== undefined && spare.length < 8) spare.push(r.chunk);
    const firstLine = line;
    line += r.lineFeeds;
    if (!sized) recordBytes += r.bytes;
    const base = fields.used;
    fields.ensure(r.fieldBytes.length);
    fields.bytes.set(r.fieldBytes, base);
    fields.used += r.fieldBytes.length;
    // The end of each block of FIELD_BLOCK profiles: profile profiles + i ends one when it is a block's last.
    fieldEnds.grow(fieldEnds.count + Math.ceil(r.profiles / FIELD_BLOCK) + 1);
    for (let i = (FIELD_BLOCK - 1 - (profiles % FIELD_BLOCK)) % FIELD_BLOCK; i < r.profiles; i += FIELD_BLOCK) fieldEnds.words[fieldEnds.count++] = base + r.fieldEnds[i];
    // The extract holds the built sources alone, in job order.
    r.sources.forEach((x, b) => {
      const s = built[b];
      const t = tables[s] as KeyTable;
      const c = counts[s];
      const status = x.status;
      let k = 0;
      if (plans[s].hashed) {
        // Each key comes as the words its entry holds (a fingerprint, or the whole digest).
        t.addDigests(new Uint32Array(x.keyBytes.buffer, x.keyBytes.byteOffset, x.keyBytes.length >>> 2), t.width, status, r.profiles, profiles, c);
        return;
      }
      const ends = x.keyEnds;
      const src = x.keyBytes;
      for (let i = 0; i < r.profiles; i++) {
        const st = status[i];
        if (st === KEY_OK) {
          const from = k === 0 ? 0 : ends[k - 1];
          const n = ends[k++] - from;
          t.keys.ensure(n);
          const dst = t.keys.bytes;
          const at = t.keys.used;
          for (let j = 0; j < n; j++) dst[at + j] = src[from + j];
          t.keys.used = at + n;
          t.addText(profiles + i);
        } else if (st === KEY_EMPTY) c.empty++;
        else c.invalid++;
      }
    });
    for (let i = 0; i < r.flaws.length; i += 2) flawAt(FLAWS[r.flaws[i + 1]], firstLine + r.flaws[i]);
    profiles += r.profiles;
    blankLines += r.blankLines;
    if (r.result !== undefined && spareResults.length < 8) spareResults.push(r.result);
  };

  const fail = (message: string, cause?: unknown): never => {
    throw new RunError('ERR_PROFILES', `${table.description}: ${message}`, cause);
  };
  let reader: ChunkReader | undefined;
  /** Chunks handed to the reader, not added yet, in table order. */
  const inFlight: Promise<ChunkExtract>[] = [];
  const cores = availableParallelism();
  // One core is this thread's: it frames the table, adds every extract to the index, and reads
  // a chunk itself whenever the workers are two behind (build-workers.ts inWorkers).
  const workers = opts.workers ?? (cores > 1 ? cores - 1 : 0);
  const shareMain = workers < cores;
  try {
    // Chunk buffers come back with their extracts and are filled again, rather than a fresh
    // 1 MiB per chunk for the garbage collector (not measured apart: the build spends ~10% there).
    const allocate = (size: number): ArrayBuffer => {
      const i = spare.findIndex((b) => b.byteLength >= size);
      return i >= 0 ? (spare.splice(i, 1)[0] as ArrayBuffer) : (Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer);
    };
    const items = frameRecords(table.bytes(opts.signal), { framing: new CsvFraming(PROFILE_DIALECT), chunkSize: CHUNK_BYTES, maxRecordBytes, allocate });
    for await (const item of items) {
      if (item.kind === 'header') {
        let names: string[] = [];
        try {
          names = parseHeader(item.bytes, PROFILE_DIALECT);
        } catch (err) {
          fail((err as Error).message, err);
        }
        const plan = extractPlan(job, names, plans, built, table.description, item.lineEnd, maxRecordBytes, defaultCountry);
        reader = workers > 0 ? inWorkers(plan, workers, shareMain) : inThread(plan);
        line += item.lineFeeds;
        blankLines += item.blankLines;
        recordBytes += item.bytes.length + 1;
        continue;
      }
      if (item.kind === 'reject') {
        // A record the chunker gave up on (no end within the scan bound, or an open quote at the end).
        inFlight.push(Promise.resolve(flawOnly(item.reason, item.lineFeeds, built.length)));
        continue;
      }
      inFlight.push((reader as ChunkReader).read(item.buffer, item.length, spareResults.pop()));
      // Bounded: two chunks per worker ahead of the one being added.
      while (inFlight.length > Math.max(2, 2 * workers + (shareMain ? 1 : 0))) {
        add(await (inFlight.shift() as Promise<ChunkExtract>));
        sizeTables();
      }
    }
    while (inFlight.length > 0) {
      add(await (inFlight.shift() as Promise<ChunkExtract>));
      sizeTables();
    }
  } catch (err) {
    if (err instanceof RunError && (err.code === 'ERR_NO_HEADER' || err.code === 'ERR_HEADER_TOO_LARGE')) fail(`line 1: ${err.message}`, err);
    if (err instanceof RunError || err instanceof ConfigError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e?.name === 'AbortError') throw err;
    throw new RunError('ERR_PROFILES', `${table.description}: ${e?.message ?? String(err)}`, err);
  } finally {
    // Whatever is still in flight settles before the workers go (a rejection is already the run's).
    await Promise.allSettled(inFlight);
    await reader?.close();
  }
  if (reader === undefined) fail('line 1: no header (the table is empty)');

  /** The first chunk tells how many profiles a table of known size holds, and each source's share of them: each table is sized so now. */
  function sizeTables(): void {
    if (sized) return;
    sized = true;
    if (sizeHint === undefined || profiles === 0) return;
    const expected = (1.1 * sizeHint * profiles) / recordBytes;
    for (const t of tables) t?.reserve(Math.ceil((expected * t.entries) / profiles));
  }

  const meta = new SharedWordsWriter(regions.meta);
  meta.grow(M_HEADER_WORDS + M_SOURCE_WORDS * tables.length);
  const words = meta.words;
  words[M_MAGIC] = INDEX_MAGIC;
  words[M_VERSION] = INDEX_VERSION;
  words[M_PROFILES] = profiles;
  words[M_SOURCES] = tables.length;
  words[M_FIELDS] = 1 + job.profiles.fields.length;
  // The workers read an AES channel sms plaintext with the plan the profiles' phones were read with.
  words[M_COUNTRY] = defaultCountry === undefined ? 0 : defaultCountry.charCodeAt(0) | (defaultCountry.charCodeAt(1) << 8);
  // A last block short of FIELD_BLOCK profiles ends where the records do.
  if (profiles % FIELD_BLOCK !== 0) fieldEnds.push(fields.used);
  let bytes = fields.used + 4 * fieldEnds.count;
  tables.forEach((t, s) => {
    const w = M_HEADER_WORDS + s * M_SOURCE_WORDS;
    // A source not built: KEYS_NONE and every other word 0, its regions never published (empty).
    if (t === undefined) {
      words.fill(0, w, w + M_SOURCE_WORDS);
      words[w + S_KEYS] = KEYS_NONE;
      return;
    }
    words[w + S_KEYS] = plans[s].keys;
    words[w + S_FORM] = plans[s].form;
    words[w + S_SLOTS] = t.slotCount;
    words[w + S_ENTRIES] = t.entries;
    words[w + S_DUPLICATES] = t.duplicates;
    words[w + S_EMPTY] = counts[s].empty;
    words[w + S_INVALID] = counts[s].invalid;
    words[w + S_HELD] = plans[s].held;
    if (t.width > 0) regions.keyEnds[s].publishWritten(0);
    bytes += t.publish();
  });
  fields.publish();
  fieldEnds.publish();
  meta.count = M_HEADER_WORDS + M_SOURCE_WORDS * tables.length;
  // Last: a worker that sees the meta's new generation sees every region it describes.
  meta.publish();

  return {
    table: table.description,
    profiles,
    flawed: Object.values(flawedByReason).reduce((a, b) => a + b, 0),
    flawedByReason,
    flawedLines,
    blankLines,
    sources: job.dataSources.map((s, i) => ({ alias: s.alias, label: s.label, built: tables[i] !== undefined, indexed: tables[i]?.entries ?? 0, duplicates: tables[i]?.duplicates ?? 0, ...counts[i] })),
    bytes,
  };
}

/** BuildOptions.sources checked: distinct job indexes in job order (all of them by default). */
function builtSources(job: ReconcileJob, sources: readonly number[] | undefined): number[] {
  const all = job.dataSources.map((_, s) => s);
  if (sources === undefined) return all;
  for (const s of sources) {
    if (!Number.isInteger(s) || s < 0 || s >= all.length) throw new ConfigError(`buildProfileIndex: sources: ${s} is not a data source of the job (0 to ${all.length - 1})`, 'sources');
  }
  return all.filter((s) => sources.includes(s));
}

/**
 * The columns the job names, found in the header (every source's, built or not: the job is
 * checked alike whichever sources a run tries); ERR_JOB for one the table lacks. The plan reads
 * the keys of the `built` sources alone.
 */
function extractPlan(job: ReconcileJob, names: readonly string[], plans: readonly KeyPlan[], built: readonly number[], description: string, lineEnd: number, maxRecordBytes: number, defaultCountry: string | undefined): ExtractPlan {
  const column = (name: string, path: string): number => {
    const i = names.indexOf(name);
    if (i < 0) {
      const shown = names.length > 20 ? `${names.slice(0, 20).join(', ')}, ...` : names.join(', ');
      throw new ConfigError(`--job: ${path}: column '${name}' is not in the profile table ${description} (its columns: ${shown})`, 'job', undefined, 'ERR_JOB');
    }
    return i;
  };
  const keptColumns = [column(job.profiles.id, 'profiles.id'), ...job.profiles.fields.map((f, i) => column(f, `profiles.fields[${i}]`))];
  if (job.profiles.email !== undefined) column(job.profiles.email, 'profiles.email');
  if (job.profiles.phone !== undefined) column(job.profiles.phone, 'profiles.phone');
  const sources = job.dataSources.map((s: DataSource, i) => {
    column(s.key, `dataSources[${i}].key`);
    return { column: names.indexOf(matchedColumn(job, s)), ...plans[i] };
  });
  return { lineEnd, fieldCount: names.length, keptColumns, sources: built.map((s) => sources[s]), defaultCountry, maxRecordBytes };
}

/** A chunk of one flawed line (over `lineFeeds` line ends) and no profile. */
function flawOnly(reason: 'bad_quote' | 'record_too_large', lineFeeds: number, sourceCount: number): ChunkExtract {
  const none = new Uint8Array(0);
  return {
    bytes: 0,
    profiles: 0,
    lineFeeds,
    blankLines: 0,
    flaws: Int32Array.from([0, FLAWS.indexOf(reason)]),
    fieldBytes: none,
    fieldEnds: new Uint32Array(0),
    sources: Array.from({ length: sourceCount }, () => ({ status: none, keyBytes: none, keyEnds: new Uint32Array(0) })),
  };
}
