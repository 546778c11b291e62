/** The ordered merge: input order whatever the completion order, and a bounded number in flight. */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { inOrder } from '../src/pipeline/in-order.js';
import { mulberry32 } from '../src/tools/generate/prng.js';

async function* numbers(n: number, pulled: number[]): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    pulled.push(i);
    yield i;
  }
}

it('yields results in input order while work finishes in random order, with at most maxInFlight outstanding', async () => {
  const random = mulberry32(9);
  const pulled: number[] = [];
  let outstanding = 0;
  let peak = 0;
  const results: number[] = [];
  const start = async (i: number): Promise<number> => {
    outstanding++;
    peak = Math.max(peak, outstanding);
    await sleep(Math.floor(random() * 5));
    outstanding--;
    return i * 10;
  };
  for await (const r of inOrder(numbers(200, pulled), start, 5)) {
    results.push(r);
    // The consumer is slow: nothing more may be pulled than it has taken plus the bound.
    expect(pulled.length).toBeLessThanOrEqual(results.length + 5);
  }
  expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i * 10));
  expect(peak).toBeLessThanOrEqual(5);
  expect(peak).toBeGreaterThan(1);
});

it('surfaces a failure in order, and no rejection goes unhandled', async () => {
  const seen: number[] = [];
  const start = async (i: number): Promise<number> => {
    if (i === 3) throw new Error('chunk 3 failed');
    await sleep(i === 2 ? 20 : 0);
    return i;
  };
  await expect(
    (async () => {
      for await (const r of inOrder(numbers(10, []), start, 4)) seen.push(r);
    })(),
  ).rejects.toThrow('chunk 3 failed');
  expect(seen).toEqual([0, 1, 2]);
});

it('yields a finished result while the next item has not arrived yet (slow input)', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  async function* slow(): AsyncGenerator<number> {
    yield 1;
    await held;
    yield 2;
  }
  const it = inOrder(slow(), async (i) => i * 10, 5);
  // Before the fix the first result waited for item 2 (or the end of the input).
  const first = await Promise.race([it.next(), sleep(2000).then(() => 'waited for the next item')]);
  expect(first).toEqual({ value: 10, done: false });
  release();
  expect(await it.next()).toEqual({ value: 20, done: false });
  expect(await it.next()).toEqual({ value: undefined, done: true });
});

it('a consumer that stops while the input is idle is not held by it, and the input is closed once it answers', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let closed = false;
  async function* idle(): AsyncGenerator<number> {
    try {
      yield 1;
      await held;
      yield 2;
    } finally {
      closed = true;
    }
  }
  const stopped = (async () => {
    for await (const r of inOrder(idle(), async (i) => i, 5)) if (r === 1) break;
    return 'stopped';
  })();
  expect(await Promise.race([stopped, sleep(2000).then(() => 'held by the idle input')])).toBe('stopped');
  release();
  await sleep(10);
  expect(closed).toBe(true);
});
