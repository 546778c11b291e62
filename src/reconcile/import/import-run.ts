/**
 * import-audience (issue 12, "Import"): an AAM outbound audience (or a CSV of IDs) reconciled
 * against the job's profile table inside the `process` engine (src/pipeline/run-process.ts,
 * through its RunExtension). The index is built once into shared memory defined before the
 * pool starts, checked to be what the workers see, and read in place by the lookup column
 * (src/transforms/lookup-op.ts). Matched records become CSV rows in input order; unmatched ones
 * are counted per reason and per data source and go to --unmatched (and, for AES e-mail and
 * phone sources, --file-audience); every record is matched, unmatched or rejected, checked.
 */
import { createHash } from 'node:crypto';
import { ConfigError, RunError } from '../../errors/errors.js';
import { csvField } from '../../formats/csv/text-field.js';
import type { ChunkPool } from '../../pool/chunk-pool.js';
import { SharedState } from '../../pool/shared-state.js';
import type { OutputSet } from '../../outputs/output-set.js';
import type { OutputDesign, OutputInput } from '../../pipeline/plan-output.js';
import type { RunExtension } from '../../pipeline/run-extension.js';
import { SHARED_HEADER_BYTES, SHARED_LENGTH } from '../../protocol/shared-layout.js';
import type { AesKeyInit, ChunkResult, ColumnOp, LookupParams } from '../../protocol/messages.js';
import type { ReportExtension, RunAccounting } from '../../report/run-report.js';
import type { SourcePart } from '../../sources/source.js';
import type { Logger } from '../../util/logger.js';
import type { MaxRejects } from '../../config/types.js';
import { UNMATCHED_REASONS } from '../../worker/lookup-match.js';
import { buildProfileIndex, type ProfileIndexReport } from '../index-build.js';
import { defineIndexRegions, type IndexRegions } from '../index-layout.js';
import type { ReconcileJob } from '../job-types.js';
import { profileSource } from '../profiles/source.js';
import { CsvFilePart } from '../../outputs/csv-file-part.js';
import { checkFields, chooseSources, importPlan, sourceByAlias, type ImportColumns, type SourceChoice } from './plan.js';

export interface ImportOptions extends ImportColumns {
  readonly alias?: string;
  /** --unmatched: CSV `line,id,reason`. */
  readonly unmatched?: string;
  /** --file-audience: CSV `line,channel,address` of AES e-mail / phone IDs that decrypt and match no profile. */
  readonly fileAudience?: string;
  /** --max-unmatched: a count or a share of the records read; undefined accepts any. */
  readonly maxUnmatched?: MaxRejects;
  /** National phone numbers of the profile table and of decrypted sms IDs. */
  readonly defaultCountry?: string;
  /** Threads of the index build (default: one per core; 0 builds in this thread). */
  readonly buildWorkers?: number;
  /** The run's pool size: every worker is asked what it sees of the index. */
  readonly workers: number;
}

type Reason = (typeof UNMATCHED_REASONS)[1 | 2 | 3];

/** Checks of the options that need no input: the alias, --fields, --file-audience's sources. */
export function checkImportOptions(job: ReconcileJob, options: ImportOptions): void {
  if (options.alias !== undefined) sourceByAlias(job, options.alias);
  checkFields(job, options.fields);
  if (options.fileAudience !== undefined && !job.dataSources.some((s) => s.protection.kind === 'aes' && s.protection.channel !== 'other')) {
    throw new ConfigError('--file-audience needs an AES data source of channel email or sms in the job: only their IDs decrypt to addresses or numbers', 'file-audience');
  }
}

export class ImportRun implements RunExtension {
  readonly shared: Readonly<Record<string, SharedArrayBuffer>>;
  readonly keys: readonly AesKeyInit[];
  readonly report: ReportExtension;
  private readonly regions: IndexRegions;
  /** Per source (job order): its key's number among `keys`, or -1. */
  private readonly keyOf: number[];
  private choice: SourceChoice | undefined;
  private index: ProfileIndexReport | undefined;
  private buildMs = 0;
  private readonly matched: number[];
  private readonly unmatchedBySource: Array<{ no_profile: number; bad_ciphertext: number }>;
  private readonly reasons: Record<Reason, number> = { no_profile: 0, bad_ciphertext: 0, invalid_id: 0 };
  private fileAudienceRows = 0;
  private unmatchedOut: CsvFilePart | undefined;
  private audienceOut: CsvFilePart | undefined;

  constructor(
    private readonly job: ReconcileJob,
    private readonly options: ImportOptions,
    private readonly log: Logger,
  ) {
    checkImportOptions(job, options);
    const state = new SharedState();
    this.regions = defineIndexRegions(state, job.dataSources.length);
    this.shared = state.buffers;
    const keys: AesKeyInit[] = [];
    this.keyOf = job.dataSources.map((s) => {
      const p = s.protection;
      if (p.kind !== 'aes') return -1;
      keys.push({ key: new Uint8Array(p.key), iv: new Uint8Array(p.iv) });
      return keys.length - 1;
    });
    this.keys = keys;
    this.matched = job.dataSources.map(() => 0);
    this.unmatchedBySource = job.dataSources.map(() => ({ no_profile: 0, bad_ciphertext: 0 }));
    this.report = { addChunk: (r) => this.addChunk(r), fields: () => this.fields() };
  }

  async prepare(pool: ChunkPool, parts: readonly SourcePart[], signal: AbortSignal): Promise<void> {
    this.choice = chooseSources(this.job, this.options.alias, parts.map((p) => p.name));
    const t0 = performance.now();
    this.index = await buildProfileIndex(this.job, profileSource(this.job.profiles.table), this.regions, {
      ...(this.options.defaultCountry ? { defaultCountry: this.options.defaultCountry } : {}),
      ...(this.options.buildWorkers !== undefined ? { workers: this.options.buildWorkers } : {}),
      // Only the sources the run tries: the others' keys would be read, hashed and inserted for nothing.
      sources: this.choice.order,
      signal,
    });
    this.buildMs = Math.round(performance.now() - t0);
    this.log.info(
      { event: 'profile_index', profiles: this.index.profiles, flawed: this.index.flawed, bytes: this.index.bytes, durationMs: this.buildMs, sources: this.index.sources },
      `profile index: ${this.index.profiles} profiles in ${this.buildMs} ms`,
    );
    await this.checkWorkersSeeIndex(pool);
  }

  /**
   * Every worker must read the index just published (the meta region names every other one's
   * sizes): asked with the pool's shared-check task, answered with a digest. Several asks per
   * worker, so that each thread answers at least once in practice; all answers must agree.
   */
  private async checkWorkersSeeIndex(pool: ChunkPool): Promise<void> {
    const meta = this.regions.meta;
    const length = Atomics.load(new Int32Array(meta.buffer, 0, 2), SHARED_LENGTH);
    const sha256 = createHash('sha256').update(new Uint8Array(meta.buffer, SHARED_HEADER_BYTES, length)).digest('hex');
    const answers = await Promise.all(Array.from({ length: 2 * Math.max(1, this.options.workers) }, () => pool.checkShared(meta.name)));
    for (const a of answers) {
      if (a.generation !== meta.generation || a.length !== length || a.sha256 !== sha256) {
        throw new RunError('ERR_INTERNAL', `worker ${a.threadId} does not see the published profile index (generation ${a.generation}, ${a.length} bytes; published ${meta.generation}, ${length} bytes)`);
      }
    }
    this.log.debug({ event: 'profile_index_shared', threads: new Set(answers.map((a) => a.threadId)).size, generation: meta.generation }, 'the workers see the profile index');
  }

  plan(input: OutputInput, _parts: readonly SourcePart[], columns: readonly ColumnOp[], keyBase: number): { columns: readonly ColumnOp[]; design: OutputDesign } {
    if (columns.length > 0) throw new ConfigError('import-audience transforms no column (--hash, --encrypt, --decrypt, --id-type): the incoming IDs are matched as received', 'hash');
    const choice = this.choice!;
    const sources: LookupParams['sources'] = choice.order.map((index) => {
      const p = this.job.dataSources[index].protection;
      if (p.kind !== 'aes') return { index };
      return { index, key: keyBase + this.keyOf[index], encoding: p.encoding, keepPlain: this.options.fileAudience !== undefined && p.channel !== 'other' };
    });
    return importPlan(this.job, input, this.options, { sources, keepUnmatched: this.options.unmatched !== undefined, ...(this.options.defaultCountry ? { defaultCountry: this.options.defaultCountry } : {}) });
  }

  async open(outputs: OutputSet): Promise<void> {
    if (this.options.unmatched !== undefined) {
      this.unmatchedOut = new CsvFilePart(this.options.unmatched, 'unmatched', 'line,id,reason', 'ERR_OUTPUT');
      outputs.add(this.unmatchedOut);
      await this.unmatchedOut.open();
    }
    if (this.options.fileAudience !== undefined) {
      this.audienceOut = new CsvFilePart(this.options.fileAudience, 'file-audience', 'line,channel,address', 'ERR_OUTPUT');
      outputs.add(this.audienceOut);
      await this.audienceOut.open();
    }
  }

  private addChunk(result: ChunkResult): void {
    const l = result.lookup;
    if (!l) return;
    for (let s = 0; s < this.matched.length; s++) {
      this.matched[s] += l.matched[s];
      this.unmatchedBySource[s].no_profile += l.unmatchedBySource[2 * s];
      this.unmatchedBySource[s].bad_ciphertext += l.unmatchedBySource[2 * s + 1];
    }
    for (let i = 0; i < l.unmatched; i++) this.reasons[UNMATCHED_REASONS[l.reasons[i]] as Reason]++;
  }

  async onChunk(result: ChunkResult, lineBase: number): Promise<void> {
    const l = result.lookup;
    if (!l || l.unmatched === 0) return;
    if (this.unmatchedOut) {
      const ids = Buffer.from(l.ids);
      let text = '';
      for (let i = 0; i < l.unmatched; i++) {
        text += `${lineBase + l.lines[i] + 1},${csvField(ids.toString('utf8', l.idOffsets[i], l.idOffsets[i + 1]))},${UNMATCHED_REASONS[l.reasons[i]]}\n`;
      }
      await this.unmatchedOut.write(text);
    }
    if (this.audienceOut && l.plain) {
      const { offsets, sources } = l.plain;
      const bytes = Buffer.from(l.plain.bytes);
      let text = '';
      for (let i = 0; i < l.unmatched; i++) {
        if (offsets[i + 1] === offsets[i]) continue;
        const p = this.job.dataSources[sources[i]].protection;
        const channel = p.kind === 'aes' ? p.channel : 'other';
        text += `${lineBase + l.lines[i] + 1},${channel},${csvField(bytes.toString('utf8', offsets[i], offsets[i + 1]))}\n`;
        this.fileAudienceRows++;
      }
      await this.audienceOut.write(text);
    }
  }

  check(accounting: RunAccounting): void {
    const matched = this.matched.reduce((a, b) => a + b, 0);
    const unmatched = this.reasons.no_profile + this.reasons.bad_ciphertext + this.reasons.invalid_id;
    if (matched !== accounting.recordsOut || unmatched !== accounting.recordsUnmatched) {
      throw new RunError('ERR_INTERNAL', `the import's counts do not add up: matched per data source ${matched} != records written ${accounting.recordsOut}, or unmatched per reason ${unmatched} != ${accounting.recordsUnmatched}`);
    }
    const limit = this.options.maxUnmatched;
    if (limit === undefined) return;
    const allowed = 'count' in limit ? limit.count : (limit.percent / 100) * accounting.recordsIn;
    if (unmatched <= allowed) return;
    const [top, topCount] = Object.entries(this.reasons).sort((a, b) => b[1] - a[1])[0];
    const share = ((100 * unmatched) / Math.max(1, accounting.recordsIn)).toFixed(1);
    let message = `${unmatched} of ${accounting.recordsIn} records unmatched (${share}%), over --max-unmatched ${'count' in limit ? limit.count : `${limit.percent}%`}; top reason ${top} (${topCount})`;
    if (top === 'bad_ciphertext') message += ": the data source's AES key or IV is probably wrong";
    throw new RunError('ERR_TOO_MANY_UNMATCHED', `${message}; nothing was published`);
  }

  private fields(): Record<string, unknown> {
    const matched = this.matched.reduce((a, b) => a + b, 0);
    const unmatched = this.reasons.no_profile + this.reasons.bad_ciphertext + this.reasons.invalid_id;
    const tried = new Set(this.choice?.order ?? []);
    return {
      recordsMatched: matched,
      recordsUnmatched: unmatched,
      unmatchedReasons: { ...this.reasons },
      reconcile: {
        ...(this.choice ? { sourcesBy: this.choice.by, order: this.choice.order.map((i) => this.job.dataSources[i].alias) } : {}),
        dataSources: this.job.dataSources.map((s, i) => ({
          alias: s.alias,
          label: s.label,
          tried: tried.has(i),
          ...(this.index ? { built: this.index.sources[i].built } : {}),
          matched: this.matched[i],
          unmatched: { ...this.unmatchedBySource[i] },
          ...(this.index?.sources[i].built ? { index: indexCounts(this.index, i) } : {}),
        })),
        ...(this.index
          ? { index: { table: this.index.table, profiles: this.index.profiles, flawed: this.index.flawed, flawedByReason: this.index.flawedByReason, flawedLines: this.index.flawedLines, blankLines: this.index.blankLines, bytes: this.index.bytes, durationMs: this.buildMs } }
          : {}),
        ...(this.options.fileAudience !== undefined ? { fileAudience: this.fileAudienceRows } : {}),
      },
    };
  }
}

function indexCounts(index: ProfileIndexReport, i: number): Record<string, number> {
  const s = index.sources[i];
  return { indexed: s.indexed, duplicates: s.duplicates, empty: s.empty, invalid: s.invalid };
}
