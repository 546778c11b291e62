/**
 * The ordered merge: starts work on each item as it arrives, keeps at most `maxInFlight` of them
 * outstanding, and yields the results in input order. While the consumer is busy (a slow sink),
 * no new item is pulled: that is where backpressure reaches the reader.
 */
export async function* inOrder<I, R>(items: AsyncIterable<I>, start: (item: I) => Promise<R>, maxInFlight: number): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  for await (const item of items) {
    const pending = start(item);
    // Awaited in order below; until then a rejection must not count as unhandled.
    pending.catch(() => {});
    queue.push(pending);
    if (queue.length >= maxInFlight) yield await queue.shift()!;
  }
  while (queue.length > 0) yield await queue.shift()!;
}
