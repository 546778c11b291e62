import { setTimeout as delay } from 'node:timers/promises';

/** Backoff before attempt `attempt` (2, 3, ...): 300 ms, 600 ms, 1.2 s, ... capped at 10 s, with jitter. */
export function backoffMs(attempt: number): number {
  const base = Math.min(300 * 2 ** Math.max(0, attempt - 2), 10_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Sleeps, rejecting with the signal's reason if it aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, signal === undefined ? undefined : { signal });
}
