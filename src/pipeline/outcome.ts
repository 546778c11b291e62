/**
 * How a run ends: its report (records in = out + rejected, the error's code and message) and
 * its exit code. A failure becomes a code in errors/classify.ts.
 */
import type { ProcessConfig } from '../config/types.js';
import { errorSummary } from '../errors/classify.js';
import { AudiencePipeError } from '../errors/errors.js';
import type { Sink } from '../outputs/sink.js';
import type { RunAccounting, RunReport, RunStatus } from '../report/run-report.js';
import type { Source } from '../sources/source.js';
import type { Logger } from '../util/logger.js';

export interface ProcessOutcome {
  readonly report: RunReport;
  readonly exitCode: 0 | 1 | 2;
  readonly error?: unknown;
}

export interface RunSoFar {
  readonly config: ProcessConfig;
  readonly log: Logger;
  readonly source: Source;
  readonly accounting: RunAccounting;
  /** performance.now() at the start. */
  readonly started: number;
  /** The sink, once opened; until then the output is named as configured. */
  readonly sink: Sink | undefined;
}

export function outcome(run: RunSoFar, status: RunStatus, error?: unknown): ProcessOutcome {
  const { config, sink } = run;
  const report = run.accounting.toReport({
    status,
    error: error === undefined ? undefined : errorSummary(error),
    input: run.source.description,
    output: sink?.description ?? config.out,
    durationMs: Math.round(performance.now() - run.started),
    workers: config.workers,
    transport: sink?.details?.(),
  });
  if (!config.rejects && report.recordsRejected > 0) {
    run.log.warn({ event: 'rejects_not_kept', recordsRejected: report.recordsRejected }, `${report.recordsRejected} rejected records were counted but not kept: pass --rejects <path> to write them with their line, column and reason`);
  }
  const exitCode = status === 'failed' ? (error instanceof AudiencePipeError ? error.exitCode : 1) : 0;
  return { report, exitCode, error };
}
