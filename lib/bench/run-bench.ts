/**
 * The benchmark: for each variant and batch size, our model (seeded weights) and optionally
 * onnxruntime (its default session options but the thread count) on an ONNX export of the same
 * weights, each round of each engine alone in its own process, the engines alternated round by
 * round (processes.ts); the first rounds' logits are checked to agree.
 */
import type { VariantName } from '../arch';
import { BenchError } from './bench-error';
import { machineFacts } from './machine';
import { ensureOnnxModel } from './onnx-model';
import { loadOnnxRuntime, onnxRuntimeVersion, ortSettings } from './onnxruntime';
import { measureMachinePeak, peakFraction } from './peak';
import { measureInProcesses, runRound, type BenchPrecision, type EngineSpec } from './processes';
import type { Progress } from './progress';
import { compareSides, summarizeSide, type BenchReport, type BenchRow } from './report';
import { median } from './stats';

/** Everything a benchmark run needs (the CLI fills in the defaults). */
export interface BenchOptions {
  variants: VariantName[];
  batches: number[];
  /**
   * Worker threads for both engines, one row set per count (a sweep: `--threads 1,2,4`);
   * [undefined]: our default (one per core).
   */
  threads: (number | undefined)[];
  kernels: 'fast' | 'reference';
  /** Our model's precision (onnxruntime runs fp32). */
  precision: BenchPrecision;
  /** Timed seconds per row and engine. */
  seconds: number;
  warmupSeconds: number;
  roundSeconds: number;
  /** Seed of the weights (ours and the ONNX export). */
  seed: number;
  /** Seed of the input batch. */
  inputSeed: number;
  compare: 'onnxruntime' | null;
  /** Seconds to measure the machine's FMA peak before the rows (0: not measured, no % peak). */
  peakSeconds: number;
  /** Also time onnxruntime with intra-op spinning off (a labelled tuned row beside the default one). */
  ortSpinningOff: boolean;
  /** Where ONNX exports are cached. */
  cacheDir: string;
  /** Python with torch, for exports. */
  python: string;
  /** The command line, for the report. */
  command: string;
}

/**
 * The largest logit difference we accept between the engines, relative to the largest logit.
 * Both compute in fp32 in a different order (onnxruntime fuses differently, we fold BN into the
 * weights), which moves logits by ~1e-6 relative; a wrong padding, eps or SE wiring moves them by
 * 1e-2 or more. Timing two different computations would be worthless, so beyond this we stop.
 */
export const AGREEMENT_TOLERANCE = 1e-3;
/**
 * The same for our bf16 rows against onnxruntime's fp32: rounding the 1x1 convolutions' inputs to
 * bf16 moves a seeded (untrained) network's logits by 1-13 % of the largest (test/model/bf16.test.ts
 * measures and bounds it at 25 %). The plan and its wiring are those of the fp32 rows, which the
 * tight check above covers; this one only refuses a computation that went wrong altogether.
 */
export const BF16_AGREEMENT_TOLERANCE = 0.25;

function maxAbsDiff(a: readonly number[], b: readonly number[]): { maxAbsDiff: number; maxAbsLogit: number } {
  if (a.length !== b.length) throw new BenchError(`the engines return ${a.length} and ${b.length} logits for the same input`);
  let diff = 0;
  let peak = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    peak = Math.max(peak, Math.abs(b[i]!));
  }
  return { maxAbsDiff: diff, maxAbsLogit: peak };
}

/**
 * Thread scaling: each row's rate over (threads x the 1-thread row's rate of the same variant and
 * batch), per engine; rows stay null without a 1-thread row to compare with.
 */
export function addEfficiency(rows: BenchRow[]): void {
  for (const row of rows) {
    const one = rows.find((r) => r.variant === row.variant && r.batch === row.batch && r.threads === 1);
    if (!one) continue;
    const eff = (n: number | undefined, base: number | undefined): number | null =>
      n === undefined || base === undefined ? null : n / (row.threads * base);
    row.efficiency = {
      ours: eff(row.ours.imagesPerSecond, one.ours.imagesPerSecond)!,
      onnxruntime: eff(row.onnxruntime?.imagesPerSecond, one.onnxruntime?.imagesPerSecond),
    };
  }
}

/**
 * Runs the benchmark.
 * @param options - see {@link BenchOptions}
 * @param progress - where progress goes (stderr)
 * @returns the report (rows in variant-then-batch order)
 * @throws {BenchError} when onnxruntime-node or the ONNX model is unavailable, or when the two
 *   engines disagree on the logits
 * @throws {EfficientNetError} from loading or running our model
 */
export async function runBench(options: BenchOptions, progress: Progress): Promise<BenchReport> {
  const date = new Date().toISOString();
  const machine = machineFacts();
  const onnxPaths = new Map<VariantName, string>();
  if (options.compare === 'onnxruntime') {
    // Fail before the first minute of timing, not after it: the runtime, then every export.
    loadOnnxRuntime(true, (m) => progress.line(m));
    for (const variant of options.variants) {
      onnxPaths.set(variant, ensureOnnxModel({
        variant,
        seed: options.seed,
        cacheDir: options.cacheDir,
        python: options.python,
        onExport: (m) => progress.line(m),
      }));
    }
  }

  if (options.peakSeconds > 0) progress.status(`measuring this machine's FMA peak and memory bandwidth (${options.peakSeconds} s)`);
  const peak = options.peakSeconds > 0 ? measureMachinePeak(options.peakSeconds) : null;
  const rows: BenchRow[] = [];
  let facts: { kernels: string; threads: number } | undefined;
  const rounds = Math.max(1, Math.round(options.seconds / options.roundSeconds));
  for (const variant of options.variants) {
    for (const batch of options.batches) {
      for (const threadCount of options.threads) {
        const label = `${variant} x${batch}${options.threads.length > 1 ? ` ${threadCount ?? 'default'} threads` : ''}`;
        const base = { variant, batch, kernels: options.kernels, precision: options.precision, seed: options.seed, inputSeed: options.inputSeed, warmupSeconds: options.warmupSeconds, seconds: options.roundSeconds };
        // Our thread count decides onnxruntime's: one probe round of ours (untimed) tells it.
        progress.status(`${label}: loading ours`);
        const probe = await runRound({ ...base, engine: 'ours', threads: threadCount, warmupSeconds: 0, seconds: 0 });
        const threads = probe.facts.threads;
        facts ??= { kernels: probe.facts.kernels, threads };
        const specs: EngineSpec[] = [{ ...base, engine: 'ours', threads: threadCount }];
        if (onnxPaths.has(variant)) {
          const ort = { ...base, threads, onnxPath: onnxPaths.get(variant)!, resolution: probe.facts.resolution };
          specs.push({ ...ort, engine: 'onnxruntime' });
          if (options.ortSpinningOff) specs.push({ ...ort, engine: 'onnxruntime-spinning-off' });
        }
        const measured = await measureInProcesses(specs, rounds, (engine, round, out) =>
          progress.step(`${label}  round ${round + 1}/${rounds}  ${engine} (pid ${out.pid}): median ${median(out.latenciesMs).toFixed(1)} ms over ${out.latenciesMs.length} runs`),
        );
        let agreement: BenchRow['agreement'] = null;
        if (specs.length > 1) {
          agreement = maxAbsDiff(measured.first[0]!.logits, measured.first[1]!.logits);
          const tolerance = options.precision === 'bf16' ? BF16_AGREEMENT_TOLERANCE : AGREEMENT_TOLERANCE;
          if (!(agreement.maxAbsDiff <= tolerance * Math.max(1, agreement.maxAbsLogit))) {
            throw new BenchError(
              `${variant} batch ${batch}: our logits and onnxruntime's differ by up to ${agreement.maxAbsDiff} ` +
                `(largest logit ${agreement.maxAbsLogit}); benchmarking different computations means nothing`,
            );
          }
        }
        const ours = summarizeSide(measured.samples[0]!, batch);
        const theirs = measured.samples[1] ? summarizeSide(measured.samples[1], batch) : null;
        const tunedSide = measured.samples[2] ? summarizeSide(measured.samples[2], batch) : null;
        const { ratio, ratioRange } = theirs ? compareSides(ours, theirs) : { ratio: null, ratioRange: null };
        const row: BenchRow = {
          variant,
          batch,
          resolution: probe.facts.resolution,
          threads,
          kernels: probe.facts.kernels,
          ours,
          onnxruntime: theirs,
          ratio,
          ratioRange,
          onnxruntimeSpinningOff: tunedSide ? { side: tunedSide, ...compareSides(ours, tunedSide) } : null,
          agreement,
          peakFraction: peak
            ? { ours: peakFraction(peak, variant, ours.imagesPerSecond, threads), onnxruntime: theirs ? peakFraction(peak, variant, theirs.imagesPerSecond, threads) : null }
            : null,
          peakRssMiB: measured.peakRssMiB[0]!,
          pids: measured.pids,
          efficiency: null,
        };
        rows.push(row);
        progress.line(
          `${label}: ours ${ours.medianMs.toFixed(1)} ms (${ours.imagesPerSecond.toFixed(1)} img/s)` +
            (theirs ? `, onnxruntime ${theirs.medianMs.toFixed(1)} ms (${theirs.imagesPerSecond.toFixed(1)} img/s), ours/ort ${ratio!.toFixed(2)}x (pairs ${ratioRange ? `${ratioRange[0].toFixed(2)}-${ratioRange[1].toFixed(2)}` : '-'}), max |dlogit| ${agreement!.maxAbsDiff.toExponential(1)}` : ''),
        );
      }
    }
  }
  addEfficiency(rows);
  progress.clear();
  return {
    command: options.command,
    date,
    machine,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    efficientnet: { version: (require('../../package.json') as { version: string }).version, ...facts! },
    onnxruntime: options.compare === 'onnxruntime' ? { version: onnxRuntimeVersion(), ...ortSettings(facts!.threads) } : null,
    peak,
    method: 'each round of each engine alone in its own process, engines alternated round by round (ABBA)',
    settings: {
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      roundSeconds: options.roundSeconds,
      seed: options.seed,
      inputSeed: options.inputSeed,
      precision: options.precision,
    },
    rows,
  };
}
