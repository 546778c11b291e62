/**
 * How a run's failure is reported: whatever a run stops with becomes a catalogue error here, in
 * one place, so the stages of the run only throw and the report's `error.code` is always a
 * catalogue code. A foreign error (Node's, zlib's, a library's) is wrapped, the original as its
 * `cause`; nothing is recognised by its message.
 */
import { AudiencePipeError, RunError } from './errors.js';
import { isErrorCode, type ErrorCode } from './catalogue.js';

/**
 * The reader of the output went away (`| head`, a FIFO's reader exited): the run is cut short,
 * not failed. Node's EPIPE is kept as it is on the way (it never becomes a report's code).
 */
export function isClosedPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/** The project error a run fails with, whatever was thrown. */
export function classify(err: unknown): AudiencePipeError {
  if (err instanceof AudiencePipeError && isErrorCode(err.code)) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = (err as Error | undefined)?.message ?? String(err);
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return new RunError('ERR_GZIP', `input is not valid gzip: ${message}`, err);
  return new RunError('ERR_RUN', message, err);
}

/** What a run stopped by its caller's AbortSignal fails with: the reason, if it is a project error. */
export function abortedBy(reason: unknown): AudiencePipeError {
  if (reason instanceof AudiencePipeError) return reason;
  const message = (reason as Error | undefined)?.message ?? String(reason);
  return new RunError('ERR_INTERRUPTED', `aborted (${message}): nothing was published`, reason);
}

/** The report's `error` field. */
export function errorSummary(err: unknown): { code: ErrorCode; message: string } {
  const e = classify(err);
  return { code: e.code, message: e.message };
}
