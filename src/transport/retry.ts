/**
 * The one retry policy of every transport (SFTP and HTTP, inputs and outputs): which failure
 * gets another attempt, how long to wait before it, and when to give up. `--retries` counts
 * the attempts after the first; a transport only says how to classify its errors and what to log.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { TransportError } from '../errors/errors.js';

export interface RetryOptions {
  /** Attempts after the first (`--retries`). */
  readonly retries: number;
  /** The first wait is between half of this and all of it; each further wait doubles, up to `capMs`. */
  readonly baseMs: number;
  readonly capMs?: number;
  /** An abort ends the waiting at once, rejecting with an AbortError whose cause is the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Turns what an attempt threw into a TransportError whose `retryable` decides; throwing here
   * ends the retries with that error (e.g. the abort reason, or a configuration error).
   */
  readonly classify: (err: unknown) => TransportError;
  /** Before each wait: for the log. */
  readonly onRetry?: (failure: TransportError, attempt: number, waitMs: number) => void;
  /** What to throw when the retries ran out on a retryable failure (default: the failure itself). */
  readonly exhausted?: (failure: TransportError, attempts: number) => Error;
}

/**
 * Backoff before retry `retry` (1-based): exponential, capped, with "equal jitter" (between half
 * and all of the step) so that clients failing together do not come back together.
 */
export function backoffDelay(retry: number, baseMs: number, capMs = 10_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * The state of one operation's attempts, for loops that cannot be a single function (a
 * generator that yields between attempts, a stream that resumes where it was).
 */
export class Retry {
  private made = 1;

  constructor(private readonly options: RetryOptions) {}

  /** Attempts made so far, the current one included. */
  get attempts(): number {
    return this.made;
  }

  /**
   * After the current attempt failed with `err`: waits out the backoff when another attempt
   * may follow (the count then includes it), else rejects with the error to report.
   */
  async next(err: unknown): Promise<void> {
    const o = this.options;
    const failure = o.classify(err);
    if (!failure.retryable || o.signal?.aborted) throw failure;
    if (this.made > o.retries) throw o.exhausted ? o.exhausted(failure, this.made) : failure;
    const wait = backoffDelay(this.made, o.baseMs, o.capMs);
    o.onRetry?.(failure, this.made, wait);
    await delay(wait, undefined, o.signal === undefined ? undefined : { signal: o.signal });
    this.made++;
  }
}

/** Runs `attempt` until it succeeds or the policy gives up; `attempt` gets the 1-based attempt number. */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retry = new Retry(options);
  for (;;) {
    try {
      return await attempt(retry.attempts);
    } catch (err) {
      await retry.next(err);
    }
  }
}
