/**
 * import-audience's options (issue 12, "Import"): its own (--job, --alias, --unmatched, ...) split
 * from `process`'s (transports, logging, input format, rejects, report), which go through
 * src/config/load.ts like any run's; and `importAudience`, the library's call for the same run.
 */
import { resolve } from 'node:path';
import pino from 'pino';
import { buildProcessConfig, type RawOptions } from '../../config/load.js';
import { maxRejects as parseLimit, BadValue } from '../../config/values.js';
import { ConfigError } from '../../errors/errors.js';
import { checkTargets } from '../../outputs/targets.js';
import { resolveTarget } from '../../outputs/resolve-target.js';
import { RunEndpoints } from '../../pipeline/endpoints.js';
import { runProcess } from '../../pipeline/run-process.js';
import { ProcessFileError } from '../../process-file.js';
import { writeReportFile } from '../../report/report-file.js';
import type { RunReport } from '../../report/run-report.js';
import { isSftpSpec } from '../../transport/sftp/address.js';
import type { Logger } from '../../util/logger.js';
import { loadJobFile } from '../job-file.js';
import { ImportRun, type ImportOptions } from './import-run.js';

/** The import's own options: everything else is a `process` option. */
const IMPORT_KEYS = ['job', 'alias', 'unmatched', 'fields', 'fileAudience', 'maxUnmatched', 'idColumn', 'segmentsColumn', 'removedSegmentsColumn'] as const;

/** The flags split into the import's options and `process`'s raw options. */
export function splitImportOptions(cli: RawOptions): { job: string; importOptions: Omit<ImportOptions, 'workers'>; processOptions: RawOptions } {
  const own: Record<string, unknown> = {};
  const rest: RawOptions = {};
  for (const [k, v] of Object.entries(cli)) ((IMPORT_KEYS as readonly string[]).includes(k) ? own : rest)[k] = v;
  const from = (rest.from as string | undefined) ?? 'aam-outbound';
  if (from !== 'aam-outbound' && from !== 'csv') throw new ConfigError(`--from: import-audience reads aam-outbound or csv (got '${from}')`, 'from');
  const idColumn = own.idColumn as string | undefined;
  if (from === 'csv' && idColumn === undefined) throw new ConfigError('--from csv needs --id-column <column>: the column of the incoming IDs', 'id-column');
  if (from === 'aam-outbound') {
    for (const k of ['idColumn', 'segmentsColumn', 'removedSegmentsColumn'] as const) {
      if (own[k] !== undefined) throw new ConfigError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to --from csv: an AAM outbound row is <id> <segments> <removed segments>`, 'from');
    }
  }
  const fields = ((own.fields as string[] | string | undefined) === undefined ? [] : ([] as string[]).concat(own.fields as string[] | string))
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter((f) => f !== '');
  let maxUnmatched: ImportOptions['maxUnmatched'];
  if (own.maxUnmatched !== undefined) {
    try {
      maxUnmatched = parseLimit(own.maxUnmatched);
    } catch (err) {
      if (err instanceof BadValue) throw new ConfigError(`--max-unmatched: ${err.message}`, 'max-unmatched');
      throw err;
    }
  }
  const importOptions: Omit<ImportOptions, 'workers'> = {
    idColumn: from === 'csv' ? idColumn! : 'id',
    ...(from === 'csv' ? {} : { segmentsColumn: 'segments', removedSegmentsColumn: 'removed_segments' }),
    ...(own.segmentsColumn !== undefined ? { segmentsColumn: own.segmentsColumn as string } : {}),
    ...(own.removedSegmentsColumn !== undefined ? { removedSegmentsColumn: own.removedSegmentsColumn as string } : {}),
    fields,
    ...(own.alias !== undefined ? { alias: own.alias as string } : {}),
    ...(own.unmatched !== undefined ? { unmatched: own.unmatched as string } : {}),
    ...(own.fileAudience !== undefined ? { fileAudience: own.fileAudience as string } : {}),
    ...(maxUnmatched !== undefined ? { maxUnmatched } : {}),
  };
  // The engine's options: the output is CSV; no column is transformed (the lookup is the run's own).
  return { job: own.job as string, importOptions, processOptions: { ...rest, from, to: 'csv', passthrough: true } };
}

/** --unmatched and --file-audience: writable, and none of them the same file as another output. */
export async function checkOwnTargets(paths: Record<string, string | undefined>, others: Record<string, string | undefined>): Promise<void> {
  const seen = new Map<string, string>();
  for (const [option, spec] of Object.entries(others)) if (spec !== undefined && spec !== '-' && !isSftpSpec(spec)) seen.set(resolve(spec), option);
  for (const [option, spec] of Object.entries(paths)) {
    if (spec === undefined) continue;
    await resolveTarget(spec, option);
    const other = seen.get(resolve(spec));
    if (other !== undefined) throw new ConfigError(`--${option} and --${other} are the same file (${spec}): give each its own path`, option, undefined, 'ERR_SAME_FILE');
    seen.set(resolve(spec), option);
  }
}


/**
 * The library's call: `await importAudience({ job: 'job.json', in: 'aud.sync', out: 'members.csv',
 * unmatched: 'unmatched.csv' })`, keyed like the flags (camelCase). Returns the report; a failed
 * run throws an AudiencePipeError with its code (ERR_TOO_MANY_UNMATCHED, ERR_PROFILES, ...) and
 * the report as `report`; a configuration error (exit 2 on the CLI) is a ConfigError.
 */
export async function importAudience(options: Record<string, unknown>, extras: { readonly logger?: Logger; readonly signal?: AbortSignal; readonly buildWorkers?: number } = {}): Promise<RunReport> {
  const { job: jobPath, importOptions, processOptions } = splitImportOptions(options);
  if (jobPath === undefined) throw new ConfigError('import-audience needs job: the reconciliation job file', 'job');
  const config = buildProcessConfig(processOptions, {}, {});
  const job = loadJobFile(jobPath, process.env);
  const log = extras.logger ?? pino({ level: 'silent' });
  await checkTargets(config);
  await checkOwnTargets({ unmatched: importOptions.unmatched, 'file-audience': importOptions.fileAudience }, { in: config.in, out: config.out, rejects: config.rejects, report: config.report });
  const extension = new ImportRun(job, { ...importOptions, ...(typeof processOptions.defaultCountry === 'string' ? { defaultCountry: processOptions.defaultCountry } : {}), ...(extras.buildWorkers !== undefined ? { buildWorkers: extras.buildWorkers } : {}), workers: config.workers }, log);
  const endpoints = new RunEndpoints(config, log);
  let outcome;
  try {
    const source = await endpoints.source();
    outcome = await runProcess(config, { source, openSink: (n) => endpoints.sink(n), openFiles: (n) => endpoints.files(n), log, signal: extras.signal, extension });
  } finally {
    await endpoints.close();
  }
  if (config.report) await writeReportFile(config.report, outcome.report);
  if (outcome.report.status === 'failed') throw new ProcessFileError(outcome.report, outcome.error);
  return outcome.report;
}
