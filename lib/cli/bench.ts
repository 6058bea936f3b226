/**
 * `efficientnet bench`: latency and throughput of our model per variant and batch size, optionally
 * side by side with onnxruntime-node on the same weights. The harness lives in lib/bench/; this
 * file only turns the command line into its options and prints the result.
 */
import { TORCHVISION_VARIANTS, type VariantName } from '../arch';
import { EfficientNet } from '../model/efficientnet';
import type { ModelProfile } from '../model/profile';
import { BENCH_PRECISIONS, BenchError, DEFAULT_CACHE_DIR, formatPeak, formatProfile, formatReport, machineFacts, measureMachinePeak, Progress, runBench, type BenchOptions, type BenchReport } from '../bench';
import { numberOption, splitList, UsageError, writeOutput } from './io';
import { parseCommandArgs } from './parse';
import { parseVariant } from './variant';

/** The text of `efficientnet help bench`. */
export const benchHelp = `Usage: efficientnet bench [options]

Times our model on seeded weights and a seeded input batch: per variant and batch size, the
median and 90th-percentile latency, images/s, the noise between rounds and the peak memory.
Each round of each engine runs alone in a fresh process. With --compare onnxruntime,
onnxruntime-node runs an ONNX export of the same weights with its default session options (only
the thread count set to ours), its rounds alternated with ours, after checking that both give
the same logits; the report gives medians and the ratio of each pair of rounds.
Progress goes to stderr, the table to stdout. Never compare figures from different machines.

Options:
  --variant LIST     variants, comma-separated: b0 … b7 (default b0)
  --batch LIST       batch sizes, comma-separated (default 1)
  --threads LIST     worker threads for both engines, comma-separated for a sweep (e.g. 1,2,4:
                     each count gets its rows and eff/thread = img/s / (threads x 1-thread img/s));
                     default: one per core
  --seconds S        timed seconds per row and engine (default 10)
  --warmup S         warm-up seconds per row and engine (default 1)
  --round S          seconds per round (one process each; default 2)
  --kernels K        fast (default) or reference (the scalar oracle; slow)
  --precision P      fp32 (default) or bf16 (CPUs with AVX512_BF16: our 1x1 convolutions in
                     bf16 with fp32 sums; onnxruntime stays fp32, and the logit agreement check
                     is then 25 % of the largest logit instead of 0.1 %)
  --seed N           seed of the weights (default 0)
  --compare ENGINE   also run onnxruntime (the first time: installs onnxruntime-node into the
                     cache from the npm registry, and needs Python with torch and torchvision
                     to export the ONNX model)
  --ort-spinning-off also time onnxruntime with intra-op spinning off (a labelled tuned row)
  --profile          instead of timing whole runs, profile one: every step of a run of each
                     variant, batch and thread count (the same fused steps and per-image band
                     as inference), its median time, share, GFLOP/s, GB/s and % of the roof
                     (the measured FMA peak, or FLOP/byte x bandwidth when lower), then the same
                     by op class (stem, expand, depthwise, SE, project, head, classifier)
  --runs N           runs per profile (default 20, after one warm-up run)
  --peak             only measure this machine's FMA peak (widest SIMD level, one thread and
                     all) and memory bandwidth, and print them
  --peak-seconds S   how long the peak measurement before the rows takes (default 1; 0: skip
                     it and the % peak columns)
  --cache DIR        where ONNX exports are kept (default bench/.cache in the package)
  --python EXE       the Python that exports them (default $PYTHON or python3)
  --json FILE        also write the report as JSON ("-": standard output, the table then goes
                     to stderr)
  -h, --help         this text`;

/** The input batch's seed: fixed, so every run of the bench times the same numbers. */
const INPUT_SEED = 1;

function positiveInteger(text: string, name: string): number {
  const n = numberOption(text, name)!;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} expects positive integers, got "${text}"`);
  return n;
}

function seconds(text: string, name: string, min: number): number {
  const n = numberOption(text, name)!;
  if (n < min) throw new UsageError(`--${name} expects at least ${min} seconds, got "${text}"`);
  return n;
}

/**
 * Runs `efficientnet bench`.
 * @param argv - the arguments after "bench"
 * @returns the exit code: 0, or 1 when the benchmark cannot run (message on stderr)
 * @throws {UsageError} for a bad command line
 * @throws {EfficientNetError} from loading or running our model
 */
export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    variant: { type: 'string', default: 'b0' },
    batch: { type: 'string', default: '1' },
    threads: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    round: { type: 'string', default: '2' },
    kernels: { type: 'string', default: 'fast' },
    precision: { type: 'string', default: 'fp32' },
    seed: { type: 'string', default: '0' },
    compare: { type: 'string' },
    'ort-spinning-off': { type: 'boolean', default: false },
    peak: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    runs: { type: 'string', default: '20' },
    'peak-seconds': { type: 'string', default: '1' },
    cache: { type: 'string' },
    python: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    await writeOutput('-', benchHelp + '\n');
    return 0;
  }
  const variants: VariantName[] = [...new Set(splitList(values.variant).map(parseVariant))];
  const batches = [...new Set(splitList(values.batch).map((b) => positiveInteger(b, 'batch')))];
  if (variants.length === 0) throw new UsageError('--variant expects at least one variant');
  if (batches.length === 0) throw new UsageError('--batch expects at least one batch size');
  if (values.compare !== undefined && values.compare !== 'onnxruntime') {
    throw new UsageError(`--compare supports onnxruntime only, got "${values.compare}"`);
  }
  const compare = values.compare === 'onnxruntime' ? 'onnxruntime' : null;
  if (values['ort-spinning-off'] && !compare) throw new UsageError('--ort-spinning-off needs --compare onnxruntime');
  // torchvision, which makes the ONNX export, has B0 … B7 only.
  const exportable = new Set<string>(TORCHVISION_VARIANTS);
  const missing = variants.filter((v) => !exportable.has(v));
  if (compare && missing.length > 0) {
    throw new UsageError(`--compare onnxruntime needs torchvision's variants (b0 … b7), not ${missing.join(', ')}`);
  }
  if (values.kernels !== 'fast' && values.kernels !== 'reference') {
    throw new UsageError(`--kernels must be fast or reference, got "${values.kernels}"`);
  }
  const precision = BENCH_PRECISIONS.find((p) => p === values.precision);
  if (precision === undefined) throw new UsageError(`--precision must be ${BENCH_PRECISIONS.join(' or ')}, got "${values.precision}"`);
  const seed = numberOption(values.seed, 'seed')!;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed expects an integer 0 … 2^32-1, got "${values.seed}"`);

  const options: BenchOptions = {
    variants,
    batches,
    threads: values.threads === undefined ? [undefined] : [...new Set(splitList(values.threads).map((t) => positiveInteger(t, 'threads')))],
    kernels: values.kernels,
    precision,
    seconds: seconds(values.seconds, 'seconds', 0),
    warmupSeconds: seconds(values.warmup, 'warmup', 0),
    roundSeconds: seconds(values.round, 'round', 0.01),
    seed,
    inputSeed: INPUT_SEED,
    compare,
    ortSpinningOff: values['ort-spinning-off'],
    peakSeconds: seconds(values['peak-seconds'], 'peak-seconds', 0),
    cacheDir: values.cache ?? DEFAULT_CACHE_DIR,
    python: values.python ?? process.env.PYTHON ?? 'python3',
    command: ['efficientnet', 'bench', ...argv].join(' '),
  };

  if (values.peak) {
    const peak = measureMachinePeak(Math.max(2, options.peakSeconds));
    const m = machineFacts();
    const text = `${m.cpuModel}, ${m.cores} cores\n${formatPeak(peak)}`;
    await writeReport(text, { machine: m, peak }, values.json);
    return 0;
  }
  if (values.profile) {
    if (compare) throw new UsageError('--profile times our model only; drop --compare');
    return profileCommand(options, positiveInteger(values.runs, 'runs'), values.json);
  }
  const progress = new Progress(process.stderr);
  let report: BenchReport;
  try {
    report = await runBench(options, progress);
  } catch (err) {
    if (!(err instanceof BenchError)) throw err;
    progress.clear();
    process.stderr.write(`efficientnet bench: ${err.message}\n`);
    return 1;
  }
  await writeReport(formatReport(report), report, values.json);
  return 0;
}

// The table to stdout and the JSON to --json FILE; with --json - the JSON takes stdout and the
// table goes to stderr.
async function writeReport(text: string, report: unknown, json: string | undefined): Promise<void> {
  const data = JSON.stringify(report, null, 2) + '\n';
  if (json === '-') {
    process.stderr.write(text);
    await writeOutput('-', data);
  } else {
    await writeOutput('-', text);
    if (json !== undefined) await writeOutput(json, data);
  }
}

// `bench --profile`: one profile per variant, batch and thread count, in this process (a profile
// times steps inside one run, so there is no other engine to keep apart from).
async function profileCommand(options: BenchOptions, runs: number, json: string | undefined): Promise<number> {
  const peak = options.peakSeconds > 0 ? measureMachinePeak(options.peakSeconds) : null;
  const m = machineFacts();
  let text = `${m.cpuModel}, ${m.cores} cores\n`;
  if (peak !== null) text += formatPeak(peak);
  const profiles: ({ variant: string } & ModelProfile)[] = [];
  for (const variant of options.variants) {
    for (const threads of options.threads) {
      const model = await EfficientNet.load({
        variant,
        seed: options.seed,
        threads,
        kernels: options.kernels,
        precision: options.precision,
        batching: false,
      });
      try {
        for (const batch of options.batches) {
          process.stderr.write(`profiling ${variant}, batch ${batch}, ${model.threads} threads, ${runs} runs\n`);
          const p = await model.profile({ batch, runs });
          profiles.push({ variant, ...p });
          text += '\n' + formatProfile(variant, p, peak);
        }
      } finally {
        model.dispose();
      }
    }
  }
  await writeReport(text, { machine: m, peak, profiles }, json);
  return 0;
}
