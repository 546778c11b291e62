/**
 * How a run's failure is reported: the error a run stops with becomes the report's
 * `{code, message}` here, in one place, so the stages of the run only throw.
 */
import { AudiencePipeError, RunError } from './errors.js';

/** The reader of stdout went away (`| head`): the run is cut short, not failed. */
export function isClosedPipe(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' && (err as Error).message.includes('stdout');
}

/** The project error a run fails with, whatever was thrown. */
export function classify(err: unknown): unknown {
  if (err instanceof AudiencePipeError) return err;
  const code = (err as { code?: string } | undefined)?.code;
  if (code === 'ERR_NO_HEADER' || code === 'ERR_HEADER_TOO_LARGE') return new RunError(code, (err as Error).message, err);
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return new RunError('ERR_GZIP', `input is not valid gzip: ${(err as Error).message}`, err);
  return new RunError(code ?? 'ERR_RUN', (err as Error)?.message ?? String(err), err);
}

/** The report's `error` field. */
export function errorSummary(err: unknown): { code: string; message: string } {
  const e = err as { code?: string; message?: string };
  return { code: e?.code ?? 'ERR_RUN', message: e?.message ?? String(err) };
}
