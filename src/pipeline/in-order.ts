/**
 * The ordered merge: starts work on each item as it arrives, keeps at most `maxInFlight` of them
 * outstanding, and yields the results in input order. While the consumer is busy (a slow sink),
 * no new item is pulled beyond the one already asked for: that is where backpressure reaches
 * the reader.
 *
 * The oldest result is yielded as soon as it is done, not only once the window is full or the
 * input has ended: with input that arrives slowly (a pipe, HTTP, SFTP) finished chunks used to
 * wait for the next ones to arrive, so nothing was written or counted for seconds.
 */
export async function* inOrder<I, R>(items: AsyncIterable<I>, start: (item: I) => Promise<R>, maxInFlight: number): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  const source = items[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<I>> | undefined;
  let ended = false;
  const push = (item: I): void => {
    const pending = start(item);
    // Awaited in order below; until then a rejection must not count as unhandled.
    pending.catch(() => {});
    queue.push(pending);
  };
  try {
    while (!ended || queue.length > 0) {
      if (ended || queue.length >= maxInFlight) {
        yield await queue.shift()!;
        continue;
      }
      next ??= source.next();
      // With work outstanding, whichever comes first: the oldest result or the next item.
      const itemFirst = queue.length === 0 || (await Promise.race([next.then(() => true), queue[0].then(() => false, () => false)]));
      if (!itemFirst) {
        yield await queue.shift()!;
        continue;
      }
      const r = await next;
      next = undefined;
      if (r.done) ended = true;
      else push(r.value);
    }
  } finally {
    // A consumer that stops early closes the input. If an item is still being waited for, the
    // input is closed once it comes (the run's abort ends a read that waits): awaiting it here
    // would hang the run's clean-up on an idle pipe.
    if (!ended) {
      if (next) next.then(() => source.return?.(), () => {}).catch(() => {});
      else await source.return?.();
    }
  }
}
