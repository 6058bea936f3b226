/**
 * How many images this process decodes at once, across every call and every model.
 *
 * The core's threads already use every core for the network. Each image decoding on top of them is
 * one more busy thread (sharp runs on libuv's pool, four threads by default): past half the cores,
 * decoders preempt the core's threads in the middle of an op, and a parallel op ends only when its
 * slowest thread does. Measured on 2 cores under a server's load (B0, 64 clients): 150 images/s
 * with libuv's four decoders at once, 168 with two; one alone left the core waiting for input
 * (131). A call's own `concurrency` still bounds that call; this bounds them all together.
 */
import { availableParallelism } from 'node:os';

/** Images decoded at once: half the cores, at least 2. */
export const DECODES_AT_ONCE = Math.max(2, Math.ceil(availableParallelism() / 2));

let running = 0;
const waiting: (() => void)[] = [];

/**
 * Runs `decode` when fewer than {@link DECODES_AT_ONCE} decodes are running, in arrival order.
 *
 * @param decode - one image's decode (and what follows it until its pixels are written)
 * @returns what `decode` returns
 * @throws what `decode` throws
 */
export async function gateDecode<T>(decode: () => Promise<T>): Promise<T> {
  if (running < DECODES_AT_ONCE) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await decode();
  } finally {
    // The slot passes straight to the next waiter (running stays the same) or is freed.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}
