/** The one retry policy of the transports: backoff, which failures get another attempt, when it gives up. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransportError } from '../src/errors/errors.js';
import { backoffDelay, Retry, withRetries, type RetryOptions } from '../src/transport/retry.js';

const retryable = (n: number): TransportError => new TransportError('ERR_SFTP_CONNECTION', `failure ${n}`, { retryable: true });
const fatal = new TransportError('ERR_SFTP_AUTH', 'not worth another try', { retryable: false });
const policy = (over: Partial<RetryOptions> = {}): RetryOptions => ({ retries: 2, baseMs: 1, classify: (err) => err as TransportError, ...over });

afterEach(() => vi.restoreAllMocks());

describe('backoffDelay', () => {
  it('doubles from the base, between half and all of each step, and stops at the cap', () => {
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValue(0);
    expect([1, 2, 3, 4].map((r) => backoffDelay(r, 300))).toEqual([150, 300, 600, 1200]);
    random.mockReturnValue(0.999999);
    expect([1, 2, 3, 4].map((r) => backoffDelay(r, 300))).toEqual([300, 600, 1200, 2400]);
    expect(backoffDelay(20, 300)).toBe(10_000);
    expect(backoffDelay(20, 300, 1000)).toBe(1000);
    random.mockReturnValue(0);
    expect(backoffDelay(20, 300)).toBe(5000);
  });
});

describe('withRetries', () => {
  it('tries 1 + retries times on retryable failures, then throws what `exhausted` makes of the last', async () => {
    const seen: number[] = [];
    const retries: Array<[string, number]> = [];
    const run = withRetries(
      async (n) => {
        seen.push(n);
        throw retryable(n);
      },
      policy({ onRetry: (f, attempt) => retries.push([f.message, attempt]), exhausted: (f, attempts) => new Error(`${f.message} after ${attempts} attempts`) }),
    );
    await expect(run).rejects.toThrow('failure 3 after 3 attempts');
    expect(seen).toEqual([1, 2, 3]);
    expect(retries).toEqual([['failure 1', 1], ['failure 2', 2]]);
  });

  it('gives up at once on a failure that is not retryable, and returns what a later attempt returns', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw fatal; }, policy())).rejects.toBe(fatal);
    expect(calls).toBe(1);
    const result = await withRetries(async (n) => (n < 3 ? Promise.reject(retryable(n)) : `ok at ${n}`), policy());
    expect(result).toBe('ok at 3');
  });

  it('with retries 0 never waits', async () => {
    const onRetry = vi.fn();
    await expect(withRetries(async () => { throw retryable(1); }, policy({ retries: 0, onRetry }))).rejects.toThrow('failure 1');
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('stops with what classify throws (an abort reason, a configuration error)', async () => {
    const stop = new Error('stop here');
    let calls = 0;
    const run = withRetries(async () => { calls++; throw new Error('raw'); }, policy({ classify: () => { throw stop; } }));
    await expect(run).rejects.toBe(stop);
    expect(calls).toBe(1);
  });

  it('an abort ends the wait at once (an AbortError whose cause is the signal\'s reason)', async () => {
    const ctl = new AbortController();
    const reason = new Error('interrupted');
    const run = withRetries(async () => { throw retryable(1); }, policy({ baseMs: 60_000, signal: ctl.signal, onRetry: () => setTimeout(() => ctl.abort(reason), 10) }));
    // The first wait would be 30 s or more: the test's own timeout fails it if the abort is not heard.
    await expect(run).rejects.toMatchObject({ name: 'AbortError', cause: reason });
  });

  it('an attempt that failed after an abort is not retried', async () => {
    const ctl = new AbortController();
    let calls = 0;
    const run = withRetries(async () => { calls++; ctl.abort(); throw retryable(calls); }, policy({ signal: ctl.signal }));
    await expect(run).rejects.toThrow('failure 1');
    expect(calls).toBe(1);
  });
});

describe('Retry (for loops that resume)', () => {
  it('keeps one budget across resumes: attempts count up and never reset', async () => {
    const retry = new Retry(policy({ retries: 2 }));
    expect(retry.attempts).toBe(1);
    await retry.next(retryable(1));
    expect(retry.attempts).toBe(2);
    // A success in between (the stream resumed) does not give the budget back.
    await retry.next(retryable(2));
    expect(retry.attempts).toBe(3);
    await expect(retry.next(retryable(3))).rejects.toThrow('failure 3');
    expect(retry.attempts).toBe(3);
  });
});
