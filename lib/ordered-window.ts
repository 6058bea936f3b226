/**
 * A bounded, order-keeping concurrent map over a (possibly endless) stream: at most `window`
 * items are in flight, results come out in input order, and a new item is only pulled from the
 * source once the oldest one has been handed to the consumer. Memory therefore stays at `window`
 * items however long the stream, and a slow consumer slows the source down (backpressure).
 */

/**
 * Maps `source` through `fn` with up to `window` calls in flight, yielding in input order.
 *
 * @param source - items, sync or async iterable
 * @param window - the most items started but not yet yielded (>= 1)
 * @param fn - the work per item; a rejection ends the iteration with that error at its turn
 * @returns the results, in input order
 * @throws whatever the source's iterator or `fn` throws
 */
export async function* orderedWindow<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  window: number,
  fn: (item: T, index: number) => Promise<R>,
): AsyncGenerator<R, void, undefined> {
  const iterator: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const pending: Array<Promise<R>> = [];
  let index = 0;
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && pending.length < window) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      const promise = fn(next.value, index++);
      // Its turn to be awaited may come later; meanwhile a rejection must not count as unhandled.
      promise.catch(() => undefined);
      pending.push(promise);
    }
  };
  try {
    await fill();
    while (pending.length > 0) {
      const result = await pending.shift()!;
      yield result;
      await fill();
    }
  } finally {
    // The consumer stopped early (break, throw) or we failed: let the source clean up.
    if (!exhausted) await iterator.return?.();
  }
}
