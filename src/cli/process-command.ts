/** `audience-pipe process`: flags -> config -> run -> report. */
import { Command } from 'commander';
import { checkEnvNames, envName, readEnvOptions } from '../config/env.js';
import { buildProcessConfig, readConfigFile, type RawOptions } from '../config/load.js';
import { PROCESS_OPTIONS } from '../config/options.js';
import type { ProcessConfig } from '../config/types.js';
import { RunEndpoints } from '../pipeline/endpoints.js';
import { isSftpSpec } from '../transport/sftp/address.js';
import { runProcess } from '../pipeline/run-process.js';
import { tuneV8ForSshTransfers } from './v8-flags.js';
import { checkTargets } from '../outputs/targets.js';
import { writeReportFile } from '../report/report-file.js';
import type { RunReport } from '../report/run-report.js';
import { watchSignals } from './interrupt.js';
import { withExamples } from './examples.js';
import { dryRun } from './dry-run.js';
import type { Logger } from '../util/logger.js';
import { cliLogger, resolveLogFormat } from './log-format.js';
import { humanSummary } from './summary.js';
import { Terminal } from './terminal.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Options shared by `process` and `bench` (the transform options). */
export function addTransformOptions(cmd: Command): Command {
  return cmd
    .option('--hash <column=method>', 'hash a column: email_lc_sha256, phone_sha256, phone_sha256_e164, sha256, sha256_lc (repeatable)', collect)
    .option('--encrypt <column>', 'AES-CBC encrypt a column (repeatable)', collect)
    .option('--decrypt <column>', 'AES-CBC decrypt a column (repeatable)', collect)
    .option('--aes-key-file <path>', 'file holding the AES key in hex (or AUDIENCE_PIPE_AES_KEY)')
    .option('--aes-iv <hex>', 'AES IV, 16 bytes in hex')
    .option('--cipher-encoding <encoding>', 'ciphertext text encoding: hex or base64 (default: hex)')
    .option('--default-country <code>', 'ISO 3166-1 alpha-2 country for phone numbers written without a country code')
    .option('--delimiter <char>', 'field delimiter (default: ,)')
    .option('--escape <char>', 'escape character inside quotes: " (RFC 4180) or \\ (AEP) (default: ")')
    .option('--workers <n>', 'worker threads (default: available cores)')
    .option('--chunk-size <bytes>', 'bytes per chunk sent to a worker, such as 4MiB or 512KiB (default: 1MiB)')
    .option('--max-record-bytes <n>', 'longest record accepted (default: 1MiB)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace, silent (default: info)');
}

/** The SFTP options every command that reaches a server takes (process, import-audience, export-audience, verify). */
export function withSftpOptions(cmd: Command): Command {
  return cmd
    .option('--sftp-key <path>', 'SSH private key (passphrase from AUDIENCE_PIPE_SFTP_PASSPHRASE; password auth from AUDIENCE_PIPE_SFTP_PASSWORD)')
    .option('--sftp-host-key <fingerprint>', 'pinned server host key, SHA256:...')
    .option('--known-hosts <file>', 'OpenSSH known_hosts file (default: ~/.ssh/known_hosts)')
    .option('--sftp-insecure-accept-any-host-key', 'accept any SFTP host key (warned on every run)')
    .option('--retries <n>', 'transport retries (default: 3)');
}

/** The options of issue 11: the vendors' formats, the output files and the Campaign guardrails. */
export function addFormatOptions(cmd: Command): Command {
  return cmd
    .option('--from <format>', 'input format: csv, aep-csv, aam-outbound, aam-inbound (default: csv)')
    .option('--to <format>', 'output format: csv, aep-csv, aam-inbound (default: the input\'s; csv for aam-outbound)')
    .option('--field-separator <char>', 'AAM outbound: the character between fields, or whitespace (default: runs of spaces and tabs)')
    .option('--list-separator <char>', 'AAM outbound: the character between segments (default: ,)')
    .option('--select <columns>', 'output columns in order, <column>[:<new name>], comma-separated (repeatable)', collect)
    .option('--id-type <column=type>', 'validate and normalise a raw identity: ecid, gaid, idfa, external_id (repeatable)', collect)
    .option('--id-column <column>', 'AAM inbound: the column of the user IDs')
    .option('--trait <token>', 'AAM inbound: a constant trait token of every row, such as d_sid=123 (repeatable)', collect)
    .option('--traits-column <column>', 'AAM inbound: comma-separated trait IDs, each written d_sid=<id>')
    .option('--removed-traits-column <column>', 'AAM inbound: comma-separated trait IDs, each written d_unsid=<id>')
    .option('--signal <column>', 'AAM inbound: written "<column>"="<value>" (repeatable)', collect)
    .option('--dpid <n>', 'AAM inbound: the data provider ID (20914 GAID, 20915 IDFA need --target-dpid)')
    .option('--target-dpid <n>', 'AAM inbound: the customer\'s data source of a device-ID file')
    .option('--mode <mode>', 'AAM inbound: sync or overwrite (default: sync)')
    .option('--split-rows <n>', 'at most this many records per output file (AEP: 5000000)')
    .option('--split-bytes <n>', 'at most this many uncompressed bytes per output file, such as 1GB (AAM)')
    .option('--partition-by <column>', 'one output file (or split series) per distinct value of the column')
    .option('--max-audiences <n>', 'distinct --partition-by values allowed (default: 25)')
    .option('--timestamp <unix seconds>', 'the time in output names (default: now)')
    .option('--destination <name>', 'AEP-style names: <destination>_segment<id>_<yyyymmddhhmmss>.csv')
    .option('--segment <id>', 'AEP-style names: the segment ID')
    .option('--write-info', 'also write the AAM transfer-control .info file of the output files')
    .option('--gzip', 'gzip the output files even when their names do not end in .gz')
    .option('--mandatory <column>', 'a record with this column empty is rejected missing_mandatory (repeatable)', collect)
    .option('--dedup-key <columns>', 'one record per value of this column (or two, comma-separated), compared as output', collect)
    .option('--dedup-order <column>', 'among duplicates the greatest value of this column wins (default: the first in input order)')
    .option('--duplicates <path>', 'write the deduplicated records here (CSV: line,column,reason,record)')
    .option('--membership-status <status>', 'add a segmentMembershipStatus column: realized or exited')
    .option('--max-fields <n>', 'output fields allowed, not counting segmentMembershipStatus (default: 20)')
    .option('--info <path|url>', 'the batch\'s transfer-control .info file (default: a .info beside the input files)');
}

export function processCommand(): Command {
  const cmd = new Command('process')
    .description('hash, encrypt or decrypt identity columns of a CSV audience, in input order, with rejects and a report')
    .option('--in <path|->', 'input: a file, - for stdin, sftp://user@host/path, account:NAME, https://... (default: -)')
    .option('--out <path|->', 'output: a file (.gz to gzip), - for stdout, sftp://..., account:NAME, an Azure Blob SAS URL (default: -)');
  withSftpOptions(addFormatOptions(addTransformOptions(cmd))
    .option('--rejects <path>', 'write rejected records here (CSV: line,column,reason,record)')
    .option('--max-rejects <n|p%>', 'fail the run (exit 1, nothing published) past this many rejected records, or this share of the records read; none accepts any (default: 50%)')
    .option('--report <path>', 'write the run report (JSON) here')
    .option('--config <file.json>', 'options as JSON, keyed by the flags\' long names')
    .option('--name <name>', 'output file name when --out is a directory'))
    .option('--delete-after', 'delete the remote input files once the run has succeeded')
    .option('--move-after <dir>', 'move the remote input files to this directory once the run has succeeded')
    .option('--tmp-dir <dir>', 'where the local spool of a remote output goes; it holds the whole output until it is published (default: the OS temporary directory)')
    .option('--passthrough', 'allow a run that changes nothing (no --hash, --encrypt, --decrypt): the output is a copy of the input')
    .option('--no-progress', 'no progress line on stderr even when it is a terminal')
    .option('--dry-run', 'check the options, keys, targets and limits and run the header and a sample of the input through the pipeline; write nothing')
    .option('--log-format <format>', 'json (NDJSON) or pretty (default: pretty on a terminal, json otherwise)')
    .action(async (_opts, command: Command) => {
      process.exitCode = await runProcessCommand(command);
    });
  withExamples(cmd, [
    'audience-pipe process --in aud.csv --out out.csv --hash email=email_lc_sha256 --rejects rejects.csv --report report.json',
    'zcat seg.csv.gz | audience-pipe process --hash phone=phone_sha256 --default-country US | gzip > out.csv.gz',
    'AUDIENCE_PIPE_AES_KEY=$(cat key.hex) audience-pipe process --in enc.csv --decrypt crm_id --aes-iv 00112233445566778899aabbccddeeff --out plain.csv --dry-run',
  ]);
  return showEnvNames(cmd);
}

/**
 * Names each option's variable in --help. The values are read by src/config/env.ts, not by
 * commander, which takes a switch's mere presence as true and a list as one value.
 */
function showEnvNames(cmd: Command): Command {
  for (const option of cmd.options) {
    const key = option.attributeName();
    if (key in PROCESS_OPTIONS && PROCESS_OPTIONS[key as keyof typeof PROCESS_OPTIONS] !== 'file') option.env(envName(key));
  }
  return cmd;
}

/** Flag values over environment values, for the command's options; the config file fills the rest. */
export function explicitOptions(command: Command, env: NodeJS.ProcessEnv = process.env): RawOptions {
  checkEnvNames(env);
  const keys = new Set(command.options.map((o) => o.attributeName()));
  const out: RawOptions = {};
  for (const [key, value] of Object.entries(readEnvOptions(env))) if (keys.has(key)) out[key] = value;
  const values = command.opts();
  for (const key of Object.keys(values)) if (command.getOptionValueSource(key) === 'cli') out[key] = values[key];
  return out;
}

async function runProcessCommand(command: Command): Promise<number> {
  const cli = explicitOptions(command);
  const file = typeof cli.config === 'string' ? readConfigFile(cli.config) : {};
  const progress = cli.progress !== false;
  const terminal = new Terminal();
  const logFormat = resolveLogFormat(cli.logFormat ?? file.logFormat, terminal.isTTY);
  delete cli.config;
  delete cli.progress;
  delete cli.logFormat;
  const config = buildProcessConfig(cli, file);
  const dry = [true, 'true', '1'].includes((cli.dryRun ?? file.dryRun) as string);
  // A dry run keeps no rejects by design: the warning that they were not kept would mislead.
  const log = cliLogger(config.logLevel, logFormat, terminal, cli.logLevel !== undefined || file.logLevel !== undefined, dry ? ['rejects_not_kept'] : []);
  const targets = await checkTargets(config);
  if (isSftpSpec(config.in) || isSftpSpec(config.out)) tuneV8ForSshTransfers();
  const endpoints = new RunEndpoints(config, log);
  // Left on when the run throws: the process is ending then anyway.
  const signals = watchSignals();
  const source = await endpoints.source();
  if (dry) {
    const code = await dryRun({ config, source, targets, log, terminal, logFormat, signal: signals.signal });
    await endpoints.close();
    signals.stop();
    return code;
  }
  const outcome = await runProcess(config, {
    source,
    openSink: (inputName) => endpoints.sink(inputName),
    openFiles: (inputName) => endpoints.files(inputName),
    log,
    signal: signals.signal,
    progress: progress && terminal.isTTY ? terminal : undefined,
  });
  await endpoints.close();
  const reportError = await writeReport(config, outcome.report, log);
  signals.stop();
  const { report } = outcome;
  if (logFormat === 'pretty') {
    if (log.isLevelEnabled(report.status === 'failed' ? 'error' : 'info')) terminal.print(humanSummary(report, { rejects: config.rejects, report: config.report, duplicates: config.guardrails.duplicates }));
  } else {
    const summary = { event: 'summary', status: report.status, recordsIn: report.recordsIn, recordsOut: report.recordsOut, recordsRejected: report.recordsRejected, recordsDeduplicated: report.recordsDeduplicated, ...(report.files ? { files: report.files.length } : {}), blankLines: report.blankLines, rejectReasons: report.rejectReasons, bytesIn: report.bytesIn, bytesOut: report.bytesOut, durationMs: report.durationMs, workers: report.workers, rowsPerSecond: report.durationMs > 0 ? Math.round((report.recordsIn / report.durationMs) * 1000) : undefined };
    if (report.status === 'failed') log.error({ ...summary, err: report.error }, `run failed: ${report.error?.message ?? 'unknown error'}`);
    else log.info(summary, report.status === 'cut-short' ? 'output closed early: run cut short' : 'done');
  }
  // A run that did its job but lost its report fails: whoever reads the report sees nothing.
  if (reportError && outcome.exitCode === 0) throw reportError;
  return outcome.exitCode;
}

async function writeReport(config: ProcessConfig, report: RunReport, log: Logger): Promise<unknown> {
  if (!config.report) return undefined;
  try {
    await writeReportFile(config.report, report);
    return undefined;
  } catch (err) {
    log.error({ event: 'report_write_failed', code: (err as { code?: string }).code }, (err as Error).message);
    return err;
  }
}
