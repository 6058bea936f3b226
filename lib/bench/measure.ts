/**
 * The timing loop. Each contender (our model, onnxruntime) runs the same input over and over.
 * With two contenders the time is cut into rounds that alternate between them, so a slow spell of
 * the machine (a neighbour's build, a frequency change) hits both instead of whichever happened
 * to run then; the first contender of a round alternates too (ABBA), so neither always runs
 * right after the other's cache damage.
 */
import { performance } from 'node:perf_hooks';

/** Something to time: one call is one batch. */
export interface Contender {
  name: string;
  run: () => Promise<unknown>;
}

/** How long to time. */
export interface MeasureOptions {
  /** Timed seconds per contender (summed run latencies). */
  seconds: number;
  /** Seconds per round per contender (the last round is shorter). */
  roundSeconds: number;
}

/** Latencies of one contender. */
export interface Samples {
  /** Every run's latency, in milliseconds, in order. */
  latenciesMs: number[];
  /** The latencies split by round (same values as latenciesMs). */
  rounds: number[][];
}

/** What the loop reports as it goes. */
export interface MeasureEvents {
  /** After every timed run. */
  onSample?: (contender: string, round: number, samples: Samples, secondsLeft: number) => void;
  /** After every round of every contender. */
  onRound?: (contender: string, round: number, samples: Samples) => void;
}

/** Runs `fn` until `seconds` of latency have been spent; at least once. Returns the latencies. */
export async function runFor(fn: () => Promise<unknown>, seconds: number, onSample?: (ms: number) => void): Promise<number[]> {
  const out: number[] = [];
  let spent = 0;
  do {
    const start = performance.now();
    await fn();
    const ms = performance.now() - start;
    out.push(ms);
    spent += ms;
    onSample?.(ms);
  } while (spent < seconds * 1000);
  return out;
}

/**
 * Warms a contender up: lazy compilation, arena allocation, page faults, caches and branch
 * predictors are not what we want to measure. At least one run.
 * @param seconds - how long (0: exactly one run)
 * @throws whatever the contender throws
 */
export async function warmUp(contender: Contender, seconds: number): Promise<void> {
  await runFor(contender.run, seconds);
}

/**
 * Times the contenders in alternating rounds until each has spent `seconds` running.
 * @returns the samples of each contender, in the order given
 * @throws whatever a contender throws
 */
export async function measure(contenders: readonly Contender[], options: MeasureOptions, events: MeasureEvents = {}): Promise<Samples[]> {
  const samples: Samples[] = contenders.map(() => ({ latenciesMs: [], rounds: [] }));
  const spentMs = contenders.map(() => 0);
  const budgetMs = options.seconds * 1000;
  // A contender with no sample yet still gets a round: even a zero budget times one run.
  const wantsMore = (i: number): boolean => spentMs[i]! < budgetMs || samples[i]!.latenciesMs.length === 0;
  for (let round = 0; contenders.some((_, i) => wantsMore(i)); round++) {
    const order = contenders.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      if (!wantsMore(i)) continue;
      const c = contenders[i]!;
      const s = samples[i]!;
      const roundSamples: number[] = [];
      s.rounds.push(roundSamples);
      const seconds = Math.min(options.roundSeconds, (budgetMs - spentMs[i]!) / 1000);
      await runFor(c.run, seconds, (ms) => {
        roundSamples.push(ms);
        s.latenciesMs.push(ms);
        spentMs[i]! += ms;
        events.onSample?.(c.name, round, s, Math.max(0, (budgetMs - spentMs[i]!) / 1000));
      });
      events.onRound?.(c.name, round, s);
    }
  }
  return samples;
}
