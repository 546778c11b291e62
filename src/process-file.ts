/**
 * The library's one call for the common case: the options of a config file in, the run's report
 * out. Every failure is thrown as an AudiencePipeError with a stable `code`: a configuration
 * error (`ERR_CONFIG`, found before any output) as the CLI's exit 2, a failed run with the code
 * of its cause and the report as `report`. Rejected records are no failure: they are counted in
 * the report. No option or secret comes from an AUDIENCE_PIPE_* variable: a program says what it means.
 */
import pino, { type Logger } from 'pino';
import { buildProcessConfig, readConfigFile, type SecretOptions } from './config/load.js';
import type { ProcessOptions } from './config/types.js';
import { AudiencePipeError } from './errors/errors.js';
import { checkTargets } from './outputs/targets.js';
import { RunEndpoints } from './pipeline/endpoints.js';
import { runProcess } from './pipeline/run-process.js';
import { writeReportFile } from './report/report-file.js';
import type { RunReport } from './report/run-report.js';
import { REDACT } from './util/logger.js';

/** What processFile needs of a logger: pino's, or any with its four methods `(object, message)`. */
export interface LoggerLike {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ProcessFileExtras extends SecretOptions {
  /** Silent when absent. */
  readonly logger?: LoggerLike;
  /** Aborting it stops the run: nothing is published, the error's code is the reason's. */
  readonly signal?: AbortSignal;
}

/** A failed run: the error of its cause, with the report of what was done. */
export class ProcessFileError extends AudiencePipeError {
  readonly report: RunReport;
  constructor(report: RunReport, cause: unknown) {
    super(report.error?.code ?? 'ERR_RUN', report.error?.message ?? 'the run failed', { cause });
    this.report = report;
  }
}

/** Runs one job, `await processFile({ in: 'a.csv', out: 'b.csv', hash: ['email=email_lc_sha256'] })`. */
export async function processFile(options: ProcessOptions, extras: ProcessFileExtras = {}): Promise<RunReport> {
  const { config: configFile, ...given } = options;
  const file = configFile === undefined ? {} : readConfigFile(configFile);
  const config = buildProcessConfig({ ...given }, file, {}, extras);
  const log = extras.logger ? forwardTo(extras.logger) : pino({ level: 'silent' });
  await checkTargets(config);
  const endpoints = new RunEndpoints(config, log);
  let outcome;
  try {
    const source = await endpoints.source();
    outcome = await runProcess(config, { source, openSink: (inputName) => endpoints.sink(inputName), openFiles: (inputName) => endpoints.files(inputName), log, signal: extras.signal });
  } finally {
    await endpoints.close();
  }
  if (config.report) await writeReportFile(config.report, outcome.report);
  if (outcome.report.status === 'failed') throw new ProcessFileError(outcome.report, outcome.error);
  return outcome.report;
}

const LEVEL_METHODS: Record<number, keyof LoggerLike> = { 10: 'debug', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'error' };

/**
 * The run logs through pino (with its redaction of secret-bearing keys); each line goes on to
 * the program's logger as an object and a message.
 */
function forwardTo(target: LoggerLike): Logger {
  return pino(
    { level: 'debug', base: undefined, timestamp: false, redact: REDACT },
    {
      write(line: string) {
        const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string };
        target[LEVEL_METHODS[level] ?? 'info'](fields, msg);
      },
    },
  );
}
