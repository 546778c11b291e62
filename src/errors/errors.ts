/**
 * Errors with a stable `code`. Callers branch on the code, never on the message. The CLI maps
 * `exitCode` to the process exit status in one place (src/cli/cli.ts).
 *
 * Messages never carry secrets (AES keys, passwords, private keys, SAS signatures).
 */
export class AudiencePipeError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;
  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: 1 | 2 }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** A usage or configuration error: stops the run before any output, exit code 2. */
export class ConfigError extends AudiencePipeError {
  readonly option: string | undefined;
  constructor(message: string, option?: string, cause?: unknown, code = 'ERR_CONFIG') {
    super(code, message, { cause, exitCode: 2 });
    this.option = option;
  }
}

/** A failure of the run itself (I/O, transport, malformed input as a whole): exit code 1. */
export class RunError extends AudiencePipeError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { cause, exitCode: 1 });
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
  constructor(code: string, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(code, message, options.cause);
    this.retryable = options.retryable;
  }
}
