/**
 * Errors with a stable `code` from the catalogue (src/errors/catalogue.ts, docs/errors.md).
 * Callers branch on the code, never on the message. The exit code is the catalogue's for the
 * code; the CLI maps it to the process exit status (src/cli/cli.ts).
 *
 * Messages never carry secrets (AES keys, passwords, private keys, SAS signatures).
 */
import { CATALOGUE, isErrorCode, type CodeWithExit, type ErrorCode } from './catalogue.js';

export type { ErrorCode } from './catalogue.js';
/** The codes of run failures (exit code 1). */
export type RunErrorCode = CodeWithExit<1>;

/** What an error is about (a chunk's position, a column): crosses threads with the error. */
export type ErrorContext = Readonly<Record<string, string | number | boolean>>;

export class AudiencePipeError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: 1 | 2;
  readonly context: ErrorContext | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; context?: ErrorContext }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    // A JavaScript caller may pass a code of its own: the run then reports ERR_RUN (errors/classify.ts).
    this.exitCode = isErrorCode(code) ? CATALOGUE[code].exit : 1;
    this.context = options?.context;
  }
}

/** A usage or configuration error: stops the run before any output, exit code 2. */
export class ConfigError extends AudiencePipeError {
  declare readonly code: CodeWithExit<2>;
  readonly option: string | undefined;
  constructor(message: string, option?: string, cause?: unknown, code: CodeWithExit<2> = 'ERR_CONFIG') {
    super(code, message, { cause });
    this.option = option;
  }
}

/** A failure of the run itself (I/O, transport, malformed input as a whole): exit code 1. */
export class RunError extends AudiencePipeError {
  declare readonly code: RunErrorCode;
  constructor(code: RunErrorCode, message: string, cause?: unknown) {
    super(code, message, { cause });
  }
}

/** The run was stopped by SIGHUP, SIGINT or SIGTERM; the CLI exits 128 + the signal's number. */
export class InterruptedError extends RunError {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super('ERR_INTERRUPTED', `interrupted by ${signal}: nothing was published`);
    this.signal = signal;
  }
}

/** Transport failures: `retryable` tells the retry loop whether another attempt can help. */
export class TransportError extends RunError {
  readonly retryable: boolean;
  constructor(code: RunErrorCode, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(code, message, options.cause);
    this.retryable = options.retryable;
  }
}
