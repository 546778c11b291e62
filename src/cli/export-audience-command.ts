/**
 * `audience-pipe export-audience`: Campaign profiles to AAM inbound files (issue #12, "Export").
 * The flags are translated to the engine's (src/reconcile/export/export-audience.ts); the run,
 * its outputs, rejects and transports are `process`'s. Exit codes as every command: 0 done, 1 the
 * run failed (nothing published), 2 a usage or job error found before any output.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../errors/errors.js';
import { ENV } from '../config/env.js';
import { readConfigFile } from '../config/load.js';
import { resolveTarget } from '../outputs/resolve-target.js';
import { checkTargets } from '../outputs/targets.js';
import { loadJobFile } from '../reconcile/job-file.js';
import { planExport, runExport, type ExportOutcome } from '../reconcile/export/export-audience.js';
import { writeReportFile } from '../report/report-file.js';
import type { RunReport } from '../report/run-report.js';
import { isSftpSpec } from '../transport/sftp/address.js';
import { withExamples } from './examples.js';
import { watchSignals } from './interrupt.js';
import { cliLogger, resolveLogFormat } from './log-format.js';
import { explicitOptions, withSftpOptions } from './process-command.js';
import { humanSummary } from './summary.js';
import { Terminal } from './terminal.js';
import { tuneV8ForSshTransfers } from './v8-flags.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The command's own options: the rest go to the engine as `process` options. */
const OWN = ['job', 'alias', 'trait', 'out', 'dpid', 'selectIds', 'query', 'unusable', 'config', 'progress', 'logFormat'] as const;

export function exportAudienceCommand(): Command {
  const cmd = withSftpOptions(new Command('export-audience')
    .description("write AAM inbound files of a data source's protected key (hashed, encrypted or plain) for every profile of the job's table, or the listed ones, with the audience's trait; profiles without a usable key are counted and written apart")
    .requiredOption('--job <job.json>', 'the reconciliation job file (profile table, data sources)')
    .requiredOption('--alias <alias>', "the data source whose key is exported (its protection, its dpid)")
    .option('--trait <token>', 'a trait token of every row, such as d_sid=123456 (repeatable; at least one)', collect)
    .requiredOption('--out <dir|sftp://...>', 'where the AAM files go: a directory (ending in /), sftp://user@host/dir/, account:NAME, an Azure container SAS URL')
    .option('--dpid <n>', "the data provider ID that names the files, when the data source has no dpid")
    .option('--select-ids <file>', 'only the profiles whose IDs (profiles.id) are listed, one per line')
    .option('--query <sql>', "read the rows of this PostgreSQL query in place of the job's query")
    .option('--unusable <path>', 'write the profiles without a usable key here (CSV: <profiles.id column>,reason)')
    .option('--rejects <path>', 'write malformed records here (CSV: line,column,reason,record)')
    .option('--report <path>', 'write the run report (JSON, with its export section) here')
    .option('--max-rejects <n|p%>', 'fail the run (exit 1, nothing published) past this many records without output, unusable ones included, or this share; none accepts any (default: 50%)')
    .option('--split-bytes <n>', 'at most this many uncompressed bytes per file, such as 1GB (AAM: about 1 GB)')
    .option('--gzip', 'gzip the files (.gz)')
    .option('--write-info', 'also write the AAM transfer-control .info file of the files')
    .option('--timestamp <unix seconds>', 'the time in the file names (default: now)')
    .option('--mode <mode>', 'sync or overwrite (default: sync)')
    .option('--default-country <code>', 'ISO 3166-1 alpha-2 country for phone numbers written without a country code')
    .option('--workers <n>', 'worker threads (default: available cores)')
    .option('--chunk-size <bytes>', 'bytes per chunk sent to a worker (default: 1MiB)')
    .option('--tmp-dir <dir>', 'where the local spool of a remote output goes (default: the OS temporary directory)'))
    .option('--config <file.json>', "process options as JSON, keyed by the flags' long names (accounts for account:NAME)")
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace, silent (default: info)')
    .option('--log-format <format>', 'json (NDJSON) or pretty (default: pretty on a terminal, json otherwise)')
    .option('--no-progress', 'no progress line on stderr even when it is a terminal')
    .action(async (_opts, command: Command) => {
      process.exitCode = await runExportCommand(command);
    });
  return withExamples(cmd, [
    'audience-pipe export-audience --job job.json --alias CampaignDeclaredId --trait d_sid=4242 --out aam/ --unusable unusable.csv --report report.json',
    `${ENV.pgPassword}=... audience-pipe export-audience --job pg-job.json --alias CampaignEncEmail --trait d_sid=4242 --gzip --split-bytes 1GB --out sftp://aam@ftp.demdex.net/incoming/`,
  ]);
}

/** No output over another output or an input of the run (paths compared resolved). */
function checkApart(outputs: [string, string | undefined][], inputs: [string, string | undefined][]): void {
  const seen: [string, string][] = [];
  for (const [option, path] of [...inputs, ...outputs]) {
    if (path === undefined) continue;
    const same = seen.find(([, p]) => p === resolve(path));
    if (same) throw new ConfigError(`--${option} and --${same[0]} are the same file (${path}): give each its own path`, option, undefined, 'ERR_SAME_FILE');
    seen.push([option, resolve(path)]);
  }
}

function dpidOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) < 1) throw new ConfigError(`--dpid: expected a whole number of at least 1, got '${text}'`, 'dpid');
  return Number(text);
}

async function runExportCommand(command: Command): Promise<number> {
  const cli = explicitOptions(command);
  const own: Record<string, unknown> = {};
  for (const k of OWN) {
    own[k] = cli[k];
    delete cli[k];
  }
  const file = typeof own.config === 'string' ? readConfigFile(own.config) : {};
  // The command's own options may come from the config file too, the flags winning, as in `process`.
  for (const k of ['trait', 'dpid', 'selectIds', 'query', 'unusable'] as const) {
    if (own[k] === undefined && file[k] !== undefined) own[k] = file[k];
    delete file[k];
  }
  const terminal = new Terminal();
  const logFormat = resolveLogFormat(own.logFormat ?? file.logFormat, terminal.isTTY);
  delete file.logFormat;
  const job = loadJobFile(String(own.job));
  const opts = {
    job,
    alias: String(own.alias),
    traits: (own.trait as string[] | undefined) ?? [],
    out: String(own.out),
    ...(own.dpid !== undefined ? { dpid: dpidOf(own.dpid) } : {}),
    ...(own.selectIds !== undefined ? { selectIds: String(own.selectIds) } : {}),
    ...(own.query !== undefined ? { query: String(own.query) } : {}),
    ...(own.unusable !== undefined ? { unusable: String(own.unusable) } : {}),
    process: { ...file, ...cli },
  };
  const plan = planExport(opts, process.env, { sftpPassword: process.env[ENV.sftpPassword] || undefined, sftpPassphrase: process.env[ENV.sftpPassphrase] || undefined });
  const { config } = plan;
  // The output's own checks (directory there and writable, --rejects and --report usable and apart). As
  // stdin with a name: an --out directory is not the input's name there (the AAM names are the run's own),
  // and the inputs are claimed below.
  await checkTargets({ ...config, in: '-', transport: { ...config.transport, name: 'export-audience' } });
  // As checkTargets does for --rejects: a missing or unwritable directory is exit 2 before anything is read.
  if (opts.unusable !== undefined) await resolveTarget(opts.unusable, 'unusable');
  checkApart([['unusable', opts.unusable], ['rejects', config.rejects], ['report', config.report]], [['select-ids', opts.selectIds], ['job', job.file], ['profiles.path', plan.table.kind === 'csv' ? plan.table.path : undefined]]);
  // The engine's warning counts unusable profiles as rejects: this command says which of the two were not kept.
  const log = cliLogger(config.logLevel, logFormat, terminal, cli.logLevel !== undefined || file.logLevel !== undefined, ['rejects_not_kept']);
  if (isSftpSpec(config.out)) tuneV8ForSshTransfers();
  const signals = watchSignals();
  const outcome = await runExport(plan, opts, { job, log, signal: signals.signal, ...(own.progress !== false && terminal.isTTY ? { progress: terminal } : {}) });
  signals.stop();
  const e = outcome.export;
  if (e.rejected > 0 && config.rejects === undefined) log.warn({ event: 'rejects_not_kept', recordsRejected: e.rejected }, `${e.rejected} rejected records were counted but not kept: pass --rejects <path> to write them with their line, column and reason`);
  if (e.unusable > 0 && opts.unusable === undefined) log.warn({ event: 'unusable_not_kept', unusable: e.unusable }, `${e.unusable} profiles without a usable key were counted but not kept: pass --unusable <path> to list them`);
  if (e.selection && e.selection.notFound > 0) log.warn({ event: 'selected_ids_not_found', notFound: e.selection.notFound }, `${e.selection.notFound} of the ${e.selection.ids} IDs of --select-ids are in no profile of the table`);
  let reportError: unknown;
  if (config.report) {
    try {
      await writeReportFile(config.report, outcome.fullReport as RunReport);
    } catch (err) {
      log.error({ event: 'report_write_failed', code: (err as { code?: string }).code }, (err as Error).message);
      reportError = err;
    }
  }
  summary(outcome, logFormat, log, terminal, { rejects: config.rejects, report: config.report, unusable: opts.unusable });
  if (reportError && outcome.exitCode === 0) throw reportError;
  return outcome.exitCode;
}

function summary(outcome: ExportOutcome, format: 'json' | 'pretty', log: ReturnType<typeof cliLogger>, terminal: Terminal, to: { rejects?: string; report?: string; unusable?: string }): void {
  const { report } = outcome;
  const e = outcome.export;
  const reasons = Object.entries(e.unusableByReason).filter(([, n]) => n > 0).map(([r, n]) => `${n.toLocaleString('en-US')} ${r}`);
  if (format === 'pretty') {
    if (!log.isLevelEnabled(report.status === 'failed' ? 'error' : 'info')) return;
    const head = `${e.alias} (${e.protection}, dpid ${e.dpid}): ${e.exported.toLocaleString('en-US')} exported, ${e.unusable.toLocaleString('en-US')} unusable${reasons.length ? ` (${reasons.join(', ')})` : ''}, ${e.rejected.toLocaleString('en-US')} rejected, of ${e.profilesRead.toLocaleString('en-US')} profiles read`;
    const lines = [humanSummary(report, { rejects: to.rejects, report: to.report })];
    if (to.unusable !== undefined) lines.push(`  ${'unusable'.padEnd(9)}${to.unusable}`);
    terminal.print(`${report.status === 'failed' ? '' : `${head}\n`}${lines.join('\n')}`);
    return;
  }
  const fields = { event: 'summary', status: report.status, ...e, files: report.files?.length, durationMs: report.durationMs, workers: report.workers };
  if (report.status === 'failed') log.error({ ...fields, err: report.error }, `run failed: ${report.error?.message ?? 'unknown error'}`);
  else log.info(fields, 'done');
}
