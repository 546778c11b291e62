/**
 * `audience-pipe import-audience` (issue 12, "Import"): an AAM outbound audience (or a CSV of
 * IDs) reconciled against a job's profile table: flags -> the job and a `process` config -> the
 * engine with the import's extension -> report. The transport and logging options are
 * `process`'s, translated into its configuration (src/config/load.ts).
 */
import { Command } from 'commander';
import { buildProcessConfig } from '../config/load.js';
import { checkTargets } from '../outputs/targets.js';
import { RunEndpoints } from '../pipeline/endpoints.js';
import { runProcess } from '../pipeline/run-process.js';
import { ImportRun } from '../reconcile/import/import-run.js';
import { checkOwnTargets, splitImportOptions } from '../reconcile/import/options.js';
import { loadJobFile } from '../reconcile/job-file.js';
import { writeReportFile } from '../report/report-file.js';
import type { RunReport } from '../report/run-report.js';
import { isSftpSpec } from '../transport/sftp/address.js';
import { withExamples } from './examples.js';
import { watchSignals } from './interrupt.js';
import { cliLogger, resolveLogFormat } from './log-format.js';
import { explicitOptions, withSftpOptions } from './process-command.js';
import { Terminal } from './terminal.js';
import { tuneV8ForSshTransfers } from './v8-flags.js';
import { hintFor } from './hints.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function importAudienceCommand(): Command {
  const cmd = withSftpOptions(new Command('import-audience')
    .description('reconcile an AAM outbound audience (or a CSV of IDs) against the profile table of a job file: matched records as CSV in input order, every ID accounted for')
    .requiredOption('--job <job.json>', 'the reconciliation job file: the profile table and its data sources (README: Reconciliation)')
    .option('--in <path|->', 'input: a file, a directory, a glob, - for stdin, sftp://user@host/dir/, https://... (default: -)')
    .option('--out <path|->', 'output CSV: a file, - for stdout, sftp://..., an Azure Blob SAS URL (default: -)')
    .option('--alias <alias>', 'match with this data source only (default: the one whose dpid the file names carry, else all by priority)')
    .option('--unmatched <path>', 'write the IDs that matched nothing here (CSV: line,id,reason)')
    .option('--file-audience <path>', 'AES email/sms sources: write the addresses and numbers that decrypt but match no profile here (CSV: line,channel,address)')
    .option('--fields <names>', 'kept profile fields (profiles.fields) to write after the fixed columns, comma-separated, at most 20 (repeatable)', collect)
    .option('--max-unmatched <n|p%>', 'fail the run (exit 1, nothing published) past this many unmatched IDs, or this share of the records read (default: none)')
    .option('--from <format>', 'input format: aam-outbound or csv (default: aam-outbound)')
    .option('--id-column <column>', '--from csv: the column of the incoming IDs')
    .option('--segments-column <column>', '--from csv: the column written as segments')
    .option('--removed-segments-column <column>', '--from csv: the column written as removed_segments')
    .option('--field-separator <char>', 'AAM outbound: the character between fields, or whitespace (default: runs of spaces and tabs)')
    .option('--list-separator <char>', 'AAM outbound: the character between segments (default: ,)')
    .option('--info <path|url>', 'the batch\'s transfer-control .info file (default: a .info beside the input files)')
    .option('--default-country <code>', 'ISO 3166-1 alpha-2 country of national phone numbers (profile table and decrypted sms IDs)')
    .option('--delimiter <char>', '--from csv: field delimiter (default: ,)')
    .option('--rejects <path>', 'write malformed records here (CSV: line,column,reason,record)')
    .option('--max-rejects <n|p%>', 'fail the run past this many rejected records, or this share (default: 50%)')
    .option('--report <path>', 'write the run report (JSON) here')
    .option('--workers <n>', 'worker threads (default: available cores)')
    .option('--chunk-size <bytes>', 'bytes per chunk sent to a worker (default: 1MiB)')
    .option('--max-record-bytes <n>', 'longest record accepted (default: 1MiB)')
    .option('--name <name>', 'output file name when --out is a directory'))
    .option('--delete-after', 'delete the remote input files once the run has succeeded')
    .option('--move-after <dir>', 'move the remote input files to this directory once the run has succeeded')
    .option('--tmp-dir <dir>', 'where the local spool of a remote output goes (default: the OS temporary directory)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace, silent (default: info)')
    .option('--log-format <format>', 'json (NDJSON) or pretty (default: pretty on a terminal, json otherwise)')
    .option('--no-progress', 'no progress line on stderr even when it is a terminal')
    .action(async (_opts, command: Command) => {
      process.exitCode = await runImportCommand(command);
    });
  return withExamples(cmd, [
    'audience-pipe import-audience --job job.json --in ftp_1234_20915_full_1486140843000.sync --out members.csv --unmatched unmatched.csv --report report.json',
    'audience-pipe import-audience --job job.json --in ids.csv --from csv --id-column hashed_id --alias CampaignDeclaredId --out members.csv --fields first_name',
  ]);
}

async function runImportCommand(command: Command): Promise<number> {
  const cli = explicitOptions(command);
  const progress = cli.progress !== false;
  const terminal = new Terminal();
  const logFormat = resolveLogFormat(cli.logFormat, terminal.isTTY);
  delete cli.progress;
  delete cli.logFormat;
  const { job: jobPath, importOptions, processOptions } = splitImportOptions(cli);
  const config = buildProcessConfig(processOptions, {});
  const job = loadJobFile(jobPath, process.env);
  const log = cliLogger(config.logLevel, logFormat, terminal, cli.logLevel !== undefined, []);
  await checkTargets(config);
  await checkOwnTargets({ unmatched: importOptions.unmatched, 'file-audience': importOptions.fileAudience }, { in: config.in, out: config.out, rejects: config.rejects, report: config.report });
  if (isSftpSpec(config.in) || isSftpSpec(config.out)) tuneV8ForSshTransfers();
  const extension = new ImportRun(job, { ...importOptions, ...(typeof processOptions.defaultCountry === 'string' ? { defaultCountry: processOptions.defaultCountry } : {}), workers: config.workers }, log);
  const endpoints = new RunEndpoints(config, log);
  const signals = watchSignals();
  const source = await endpoints.source();
  const outcome = await runProcess(config, {
    source,
    openSink: (inputName) => endpoints.sink(inputName),
    openFiles: (inputName) => endpoints.files(inputName),
    log,
    signal: signals.signal,
    progress: progress && terminal.isTTY ? terminal : undefined,
    extension,
  });
  await endpoints.close();
  let reportError: unknown;
  if (config.report) {
    try {
      await writeReportFile(config.report, outcome.report);
    } catch (err) {
      log.error({ event: 'report_write_failed', code: (err as { code?: string }).code }, (err as Error).message);
      reportError = err;
    }
  }
  signals.stop();
  summarize(outcome.report, logFormat, terminal, log, importOptions.unmatched);
  if (reportError && outcome.exitCode === 0) throw reportError;
  return outcome.exitCode;
}

function summarize(report: RunReport, logFormat: string, terminal: Terminal, log: ReturnType<typeof cliLogger>, unmatchedPath: string | undefined): void {
  const r = report as RunReport & { recordsMatched?: number; recordsUnmatched?: number; unmatchedReasons?: Record<string, number> };
  const n = (v: number | undefined): string => (v ?? 0).toLocaleString('en-US');
  const reasons = Object.entries(r.unmatchedReasons ?? {}).filter(([, k]) => k > 0).map(([reason, k]) => `${n(k)} ${reason}`).join(', ');
  const counts = `${n(r.recordsIn)} IDs in, ${n(r.recordsMatched)} matched, ${n(r.recordsUnmatched)} unmatched${reasons ? ` (${reasons})` : ''}, ${n(r.recordsRejected)} rejected`;
  if (logFormat === 'pretty') {
    if (r.status === 'failed') {
      if (log.isLevelEnabled('error')) terminal.print(`error: ${r.error?.message ?? 'the run failed'} (${r.error?.code ?? 'ERR_RUN'})\nhint: ${hintFor(r.error?.code)}\n  stopped: ${counts}`);
    } else if (log.isLevelEnabled('info')) {
      terminal.print(`done in ${(r.durationMs / 1000).toFixed(2)}s: ${counts}\n  output   ${r.output === '-' ? 'stdout' : r.output}${unmatchedPath ? `\n  unmatched ${unmatchedPath}` : ''}`);
    }
    return;
  }
  const summary = { event: 'summary', status: r.status, recordsIn: r.recordsIn, recordsMatched: r.recordsMatched, recordsUnmatched: r.recordsUnmatched, recordsRejected: r.recordsRejected, unmatchedReasons: r.unmatchedReasons, rejectReasons: r.rejectReasons, durationMs: r.durationMs, workers: r.workers };
  if (r.status === 'failed') log.error({ ...summary, err: r.error }, `run failed: ${r.error?.message ?? 'unknown error'}`);
  else log.info(summary, 'done');
}
