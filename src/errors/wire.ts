/**
 * Errors across threads. Piscina clones a thrown Error, which keeps its message and drops its
 * `code`; so the worker throws the plain `{code, message, context}` of protocol/messages.ts and
 * the pool turns it back into a project error. Imports only the catalogue and the classes:
 * the worker side uses it.
 */
import type { WireError } from '../protocol/messages.js';
import { isErrorCode, type ErrorCode } from './catalogue.js';
import { AudiencePipeError, RunError, type ErrorContext } from './errors.js';

/** Worker side: what any error thrown while handling a task crosses to the main thread as. */
export function toWire(err: unknown, context: ErrorContext): WireError {
  if (err instanceof AudiencePipeError) return { code: err.code, message: err.message, context: { ...context, ...err.context } };
  // An uncoded error in the worker is a failed assertion: the records' own faults are rejects.
  const name = err instanceof Error ? err.name : typeof err;
  return { code: 'ERR_INTERNAL', message: (err as Error | undefined)?.message ?? String(err), context: { ...context, error: name } };
}

/** Main side: what a task's rejection (or the pool's own error) becomes. */
export function fromWire(err: unknown): AudiencePipeError {
  if (isWireError(err)) return new AudiencePipeError(err.code, err.message, { context: err.context });
  // Not thrown by the worker's code: Piscina's own (a worker that crashed or ran out of memory).
  return new RunError('ERR_WORKER', (err as Error | undefined)?.message ?? String(err), err);
}

function isWireError(err: unknown): err is WireError & { code: ErrorCode } {
  return typeof err === 'object' && err !== null && !(err instanceof Error) && isErrorCode((err as WireError).code) && typeof (err as WireError).message === 'string';
}
