/**
 * export-audience (issue #12, "Export"): a data source's protected key of every profile (or of
 * the listed ones) as AAM inbound rows carrying the audience's trait, through the `process`
 * engine: the profile table is the run's input (profile-input.ts), the protection is the op of
 * the key's column (a hash method; encrypt with the e-mail or phone normalised first; none), and
 * the files are the aam-inbound writer's and routing's (names with the source's DPID, parts,
 * gzip, .info). Profiles without a usable key are the engine's rejects, written apart
 * (unusable.ts). Secrets (AES key, PostgreSQL password) go from the job to the engine and the
 * table reader only: no message, log or report shows them.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors/errors.js';
import { buildProcessConfig, type RawOptions, type SecretOptions } from '../../config/load.js';
import { deepFreeze } from '../../config/freeze.js';
import type { ProcessConfig } from '../../config/types.js';
import { RunEndpoints } from '../../pipeline/endpoints.js';
import type { ProgressDisplay } from '../../pipeline/progress.js';
import { runProcess, type ProcessOutcome } from '../../pipeline/run-process.js';
import { RejectsWriter } from '../../report/rejects-writer.js';
import type { RunReport } from '../../report/run-report.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { matchedColumn, type DataSource, type ProfileTableSpec, type ReconcileJob } from '../job-types.js';
import { profileSource } from '../profiles/source.js';
import { ProfileInput, type Selection, type SelectionReport } from './profile-input.js';
import { ExportRejects, UNUSABLE_REASON_NAMES, UNUSABLE_REASONS, UnusableWriter, type UnusableReason } from './unusable.js';

export interface ExportOptions {
  readonly job: ReconcileJob;
  /** The data source whose key is exported. */
  readonly alias: string;
  /** Trait tokens every row carries (`d_sid=<n>`), in order. */
  readonly traits: readonly string[];
  /** A directory (local, `sftp://...`, an Azure container URL) or a file. */
  readonly out: string;
  /** The DPID the files are named with, when the data source has none. */
  readonly dpid?: number;
  /** A file of profile IDs, one per line: only those profiles are exported. */
  readonly selectIds?: string;
  /** In place of the job's PostgreSQL query. */
  readonly query?: string;
  /** Where the profiles without a usable key are written (CSV `<profiles.id column>,reason`). */
  readonly unusable?: string;
  /**
   * Options of `process` passed to the engine as they are (its flags' camelCase names): workers,
   * rejects, report, maxRejects, splitBytes, gzip, writeInfo, timestamp, mode, defaultCountry,
   * logLevel, chunkSize, tmpDir, retries, sftpKey, sftpHostKey, knownHosts, accounts...
   */
  readonly process?: RawOptions;
}

export interface ExportDeps {
  /** Default: silent. */
  readonly log?: Logger;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressDisplay;
  readonly env?: NodeJS.ProcessEnv;
  /** The SFTP secrets a program hands over (the CLI: from the environment). */
  readonly secrets?: Pick<SecretOptions, 'sftpPassword' | 'sftpPassphrase'>;
}

/** What the export did, beside the engine's report. */
export interface ExportReport {
  readonly alias: string;
  readonly label: string;
  readonly dpid: number;
  /** none, a hash method, or aes (with its channel). */
  readonly protection: string;
  /** The profile column the exported IDs are made of. */
  readonly column: string;
  /** Records of the profile table read as profiles (after --select-ids): exported + unusable + rejected. */
  readonly profilesRead: number;
  readonly exported: number;
  readonly unusable: number;
  readonly unusableByReason: Readonly<Record<UnusableReason, number>>;
  /** Malformed records, and rows AAM takes no more of (too_many_lines_for_id): --rejects. */
  readonly rejected: number;
  readonly selection?: SelectionReport;
}

export interface ExportOutcome extends ProcessOutcome {
  readonly export: ExportReport;
  /** The engine's report with `export` beside its figures: what --report holds. */
  readonly fullReport: RunReport & { export: ExportReport };
}

/** A validated export: the engine's configuration and what the run is made of. */
export interface ExportPlan {
  readonly config: ProcessConfig;
  readonly source: DataSource;
  readonly column: string;
  readonly dpid: number;
  readonly table: ProfileTableSpec;
  readonly selection?: Selection;
}

const describeProtection = (s: DataSource): string => {
  const p = s.protection;
  return p.kind === 'none' ? 'none' : p.kind === 'hash' ? p.method : `aes (channel ${p.channel}, ${p.encoding})`;
};

/** Checks the options and builds the engine's configuration: every ConfigError (exit 2) comes from here, before any output. */
export function planExport(opts: ExportOptions, env: NodeJS.ProcessEnv = process.env, secrets: ExportDeps['secrets'] = {}): ExportPlan {
  const { job } = opts;
  const index = job.dataSources.findIndex((s) => s.alias === opts.alias);
  if (index < 0) throw new ConfigError(`--alias: no data source '${opts.alias}' in the job (aliases: ${job.dataSources.map((s) => s.alias).join(', ')})`, 'alias');
  const source = job.dataSources[index];
  if (opts.traits.length === 0) throw new ConfigError('--trait: give the audience\'s trait, such as --trait d_sid=123456', 'trait');
  if (source.dpid !== undefined && opts.dpid !== undefined && opts.dpid !== source.dpid) {
    throw new ConfigError(`--dpid ${opts.dpid}: data source '${source.alias}' has dpid ${source.dpid}; its files are named with it (leave --dpid out)`, 'dpid');
  }
  const dpid = source.dpid ?? opts.dpid;
  if (dpid === undefined) throw new ConfigError(`--dpid: data source '${source.alias}' has no dpid in the job: give --dpid <n>, the data provider ID that names its files`, 'dpid');
  let table = job.profiles.table;
  if (opts.query !== undefined) {
    if (table.kind !== 'postgres') throw new ConfigError(`--query replaces the job's PostgreSQL query: this job's profile table is a CSV file (${table.path})`, 'query');
    if (opts.query.trim() === '') throw new ConfigError('--query: must not be empty', 'query');
    table = { ...table, query: opts.query };
  }
  const selection = opts.selectIds === undefined ? undefined : readSelection(opts.selectIds);
  const column = matchedColumn(job, source);
  const p = source.protection;
  const raw: RawOptions = {
    ...opts.process,
    // The profile table is the input: a CSV path is claimed as one (no output may replace it); a PostgreSQL table by the job file.
    in: table.kind === 'csv' ? table.path : job.file,
    out: opts.out,
    from: 'csv',
    to: 'aam-inbound',
    idColumn: column,
    trait: [...opts.traits],
    dpid,
  };
  // National phone numbers: --default-country, else the job's profiles.defaultCountry (as the index reads them).
  if (raw.defaultCountry === undefined && job.profiles.defaultCountry !== undefined) raw.defaultCountry = job.profiles.defaultCountry;
  const given: SecretOptions = { ...secrets };
  if (p.kind === 'hash') raw.hash = [`${column}=${p.method}`];
  else if (p.kind === 'aes') {
    raw.encrypt = [column];
    raw.aesIv = p.iv.toString('hex');
    raw.cipherEncoding = p.encoding;
    (given as { aesKey?: Uint8Array }).aesKey = p.key;
  }
  for (const k of ['hash', 'encrypt', 'decrypt', 'aesKeyFile', 'in', 'from', 'to', 'idColumn', 'select', 'traitsColumn', 'removedTraitsColumn', 'partitionBy', 'dedupKey'] as const) {
    if (opts.process?.[k] !== undefined) throw new ConfigError(`export-audience sets ${k} itself from the job's data source: leave it out`, k);
  }
  let config = buildProcessConfig(raw, {}, env, given);
  if (p.kind === 'aes' && p.channel !== 'other') {
    // The plaintext is the address or number as the import side's index holds it (src/worker/lookup-key.ts).
    const normalize = p.channel === 'email' ? 'email' : 'phone';
    // Validated by buildProcessConfig (a country with a numbering plan), as the phone ops take it.
    const country = typeof raw.defaultCountry === 'string' ? raw.defaultCountry.trim().toUpperCase() : undefined;
    config = deepFreeze({ ...config, ops: config.ops.map((op) => (op.op === 'encrypt' ? { ...op, params: { ...op.params, normalize, ...(country === undefined ? {} : { defaultCountry: country }) } } : op)) });
  }
  return { config, source, column, dpid, table, ...(selection ? { selection } : {}) };
}

function readSelection(path: string): Selection {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`--select-ids: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'select-ids', err);
  }
  const ids = new Set<string>();
  for (const line of text.split(/\r\n|\r|\n/)) {
    const id = line.trim();
    if (id !== '') ids.add(id);
  }
  return { file: path, ids };
}

/** Runs a planned export. The outputs (AAM files, .info, --unusable, --rejects) are published together, or none. */
export async function runExport(plan: ExportPlan, opts: Pick<ExportOptions, 'unusable'>, deps: ExportDeps & { job: ReconcileJob }): Promise<ExportOutcome> {
  const { config, source, column } = plan;
  const { job } = deps;
  const log = deps.log ?? silentLogger();
  const keyWhere = column === source.key ? `dataSources[${job.dataSources.indexOf(source)}].key` : column === job.profiles.email ? 'profiles.email' : 'profiles.phone';
  const input = new ProfileInput(profileSource(plan.table), job.profiles.id, plan.selection, [{ column, where: keyWhere }]);
  const unusable = opts.unusable === undefined ? undefined : new UnusableWriter(opts.unusable, job.profiles.id);
  const rejects = unusable !== undefined || config.rejects !== undefined ? new ExportRejects(unusable, config.rejects === undefined ? undefined : new RejectsWriter(config.rejects), () => input.idField()) : undefined;
  const endpoints = new RunEndpoints(config, log);
  let outcome: ProcessOutcome;
  try {
    outcome = await runProcess(config, {
      source: input,
      openSink: (name) => endpoints.sink(name),
      openFiles: (name) => endpoints.files(name),
      log,
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.progress ? { progress: deps.progress } : {}),
      ...(rejects ? { rejects } : {}),
    });
  } finally {
    await endpoints.close();
  }
  const r = outcome.report;
  const byReason = Object.fromEntries(UNUSABLE_REASON_NAMES.map((n) => [n, 0])) as Record<UnusableReason, number>;
  let unusableCount = 0;
  for (const [reason, n] of Object.entries(r.rejectReasons)) {
    const u = UNUSABLE_REASONS[reason];
    if (u === undefined) continue;
    byReason[u] += n;
    unusableCount += n;
  }
  const selection = input.selectionReport();
  const report: ExportReport = {
    alias: source.alias,
    label: source.label,
    dpid: plan.dpid,
    protection: describeProtection(source),
    column,
    profilesRead: r.recordsIn,
    exported: r.recordsOut,
    unusable: unusableCount,
    unusableByReason: byReason,
    rejected: r.recordsRejected - unusableCount,
    ...(selection ? { selection } : {}),
  };
  // The records --select-ids left out reach the engine as blank lines (so that line numbers stay the table's): they are no blank lines of the table.
  const tableReport = { ...r, blankLines: r.blankLines - input.skippedLines() };
  return { ...outcome, report: tableReport, export: report, fullReport: { ...tableReport, export: report } };
}

/** planExport then runExport: the library's one call (a ConfigError before any output; a failed run is the outcome's `error`, nothing published). */
export async function exportAudience(opts: ExportOptions, deps: ExportDeps = {}): Promise<ExportOutcome> {
  const plan = planExport(opts, deps.env, deps.secrets);
  return runExport(plan, opts, { ...deps, job: opts.job });
}
