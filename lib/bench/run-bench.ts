/**
 * The benchmark: for each variant and batch size, our model (seeded weights) and optionally
 * onnxruntime on an ONNX export of the same weights, checked to agree, warmed up, then timed in
 * interleaved rounds (see measure.ts) in this one process.
 */
import type { VariantName } from '../arch';
import { EfficientNet } from '../model/efficientnet';
import { seededImageBatch } from '../random';
import { BenchError } from './bench-error';
import { machineFacts } from './machine';
import { measure, warmUp, type Contender } from './measure';
import { ensureOnnxModel } from './onnx-model';
import { loadOnnxRuntime, onnxRuntimeVersion, openOrtSession, ortSettings, type OrtSession } from './onnxruntime';
import type { Progress } from './progress';
import { compareSides, summarizeSide, type BenchReport, type BenchRow } from './report';
import { median } from './stats';

/** Everything a benchmark run needs (the CLI fills in the defaults). */
export interface BenchOptions {
  variants: VariantName[];
  batches: number[];
  /** Worker threads for both engines; undefined: our default (one per core). */
  threads?: number;
  kernels: 'fast' | 'reference';
  /** Timed seconds per row and engine. */
  seconds: number;
  warmupSeconds: number;
  roundSeconds: number;
  /** Seed of the weights (ours and the ONNX export). */
  seed: number;
  /** Seed of the input batch. */
  inputSeed: number;
  compare: 'onnxruntime' | null;
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

function maxAbsDiff(a: Float32Array, b: Float32Array): { maxAbsDiff: number; maxAbsLogit: number } {
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

  const rows: BenchRow[] = [];
  let facts: { kernels: string; threads: number } | undefined;
  for (const variant of options.variants) {
    progress.status(`${variant}: loading`);
    const model = await EfficientNet.load({ variant, seed: options.seed, threads: options.threads, kernels: options.kernels });
    const kernels = model.kernels!;
    const threads = model.threads!;
    facts ??= { kernels, threads };
    let session: OrtSession | undefined;
    try {
      const ort = onnxPaths.has(variant) ? await openOrtSession(onnxPaths.get(variant)!, ortSettings(threads)) : undefined;
      session = ort?.session;
      for (const batch of options.batches) {
        const r = model.resolution;
        const dims = [batch, 3, r, r] as const;
        // One input for every run of both engines. Timing the same input again and again is fine
        // on a CPU: no engine here caches results or skips work for repeated data, and the cost
        // of convolutions does not depend on the values (no sparsity, no early exits).
        const input = seededImageBatch(batch, r, options.inputSeed);
        const contenders: Contender[] = [{ name: 'ours', run: () => model.run({ data: input, dims }) }];
        let agreement: BenchRow['agreement'] = null;
        if (ort) {
          const theirs = ort.runnerFor(input, dims);
          contenders.push({ name: 'onnxruntime', run: theirs });
          progress.status(`${variant} x${batch}: checking that both engines agree`);
          agreement = maxAbsDiff((await model.run({ data: input, dims })).data, await theirs());
          if (!(agreement.maxAbsDiff <= AGREEMENT_TOLERANCE * Math.max(1, agreement.maxAbsLogit))) {
            throw new BenchError(
              `${variant} batch ${batch}: our logits and onnxruntime's differ by up to ${agreement.maxAbsDiff} ` +
                `(largest logit ${agreement.maxAbsLogit}); benchmarking different computations means nothing`,
            );
          }
        }
        for (const c of contenders) {
          progress.status(`${variant} x${batch}: warming up ${c.name}`);
          await warmUp(c, options.warmupSeconds);
        }
        const label = `${variant} x${batch}`;
        const samples = await measure(contenders, options, {
          onSample: (name, round, s, left) =>
            progress.status(`${label}  round ${round + 1}  ${name}: ${s.latenciesMs.length} runs, median ${median(s.latenciesMs).toFixed(1)} ms, ${left.toFixed(1)} s left`),
          onRound: (name, round, s) =>
            progress.step(`${label}  round ${round + 1}  ${name}: median ${median(s.rounds[round] ?? []).toFixed(1)} ms over ${s.rounds[round]?.length ?? 0} runs`),
        });
        const ours = summarizeSide(samples[0]!, batch);
        const theirs = samples[1] ? summarizeSide(samples[1], batch) : null;
        const { ratio, ratioRange } = theirs ? compareSides(ours, theirs) : { ratio: null, ratioRange: null };
        const row: BenchRow = {
          variant,
          batch,
          resolution: r,
          threads,
          kernels,
          ours,
          onnxruntime: theirs,
          ratio,
          ratioRange,
          agreement,
          // maxRSS is in KiB.
          peakRssMiB: process.resourceUsage().maxRSS / 1024,
        };
        rows.push(row);
        progress.line(
          `${label}: ours ${ours.medianMs.toFixed(1)} ms (${ours.imagesPerSecond.toFixed(1)} img/s)` +
            (theirs ? `, onnxruntime ${theirs.medianMs.toFixed(1)} ms (${theirs.imagesPerSecond.toFixed(1)} img/s), ours/ort ${ratio!.toFixed(2)}x, max |dlogit| ${agreement!.maxAbsDiff.toExponential(1)}` : ''),
        );
      }
    } finally {
      model.dispose();
      await session?.release();
    }
  }
  progress.clear();
  return {
    command: options.command,
    date,
    machine,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    efficientnet: { version: (require('../../package.json') as { version: string }).version, ...facts! },
    onnxruntime: options.compare === 'onnxruntime' ? { version: onnxRuntimeVersion(), ...ortSettings(facts!.threads) } : null,
    settings: {
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      roundSeconds: options.roundSeconds,
      seed: options.seed,
      inputSeed: options.inputSeed,
    },
    rows,
  };
}
