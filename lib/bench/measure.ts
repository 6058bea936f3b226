/**
 * The timing loop of one engine in one round (lib/bench/engine-child.ts runs it in a process of
 * its own; processes.ts alternates the rounds of the engines): the same input over and over until
 * the round's time is spent.
 */
import { performance } from 'node:perf_hooks';

/** Latencies of one engine. */
export interface Samples {
  /** Every run's latency, in milliseconds, in order. */
  latenciesMs: number[];
  /** The latencies split by round (same values as latenciesMs). */
  rounds: number[][];
}

/**
 * Runs `fn` until `seconds` of latency have been spent; at least once (so a zero budget still
 * warms up or times one run).
 * @returns the latencies, in milliseconds
 * @throws whatever `fn` throws
 */
export async function runFor(fn: () => Promise<unknown>, seconds: number): Promise<number[]> {
  const out: number[] = [];
  let spent = 0;
  do {
    const start = performance.now();
    await fn();
    const ms = performance.now() - start;
    out.push(ms);
    spent += ms;
  } while (spent < seconds * 1000);
  return out;
}
