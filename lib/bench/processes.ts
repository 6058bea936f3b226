/**
 * Rounds in separate processes: each round of each engine is a fresh `node engine-child.js` that
 * runs alone (nothing of the other engine is alive), and the engines alternate round by round in
 * ABBA order, so a slow spell of the machine hits both and neither always follows the other.
 * Round i of each engine ran back to back: their ratio is one pair of the per-pair ratio range.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { VariantName } from '../arch';
import { BenchError } from './bench-error';
import type { Samples } from './measure';

/** The precisions `bench --precision` times (the CPU's). */
export const BENCH_PRECISIONS = ['fp32', 'bf16'] as const;
export type BenchPrecision = (typeof BENCH_PRECISIONS)[number];

/** What one child runs. */
export interface EngineSpec {
  /** 'onnxruntime': its default session options (threads only); 'onnxruntime-spinning-off': the labelled tuned row. */
  engine: 'ours' | 'onnxruntime' | 'onnxruntime-spinning-off';
  variant: VariantName;
  batch: number;
  threads?: number;
  kernels: 'fast' | 'reference';
  /** Our model's precision ('bf16': CPUs with AVX512_BF16); onnxruntime always runs fp32. */
  precision: BenchPrecision;
  seed: number;
  inputSeed: number;
  warmupSeconds: number;
  /** Timed seconds in this process (one round). */
  seconds: number;
  /** onnxruntime: the ONNX export and the input side. */
  onnxPath?: string;
  resolution?: number;
}

/** What one child prints. */
export interface RoundOutput {
  pid: number;
  latenciesMs: number[];
  /** The first run's output, for the agreement check. */
  logits: number[];
  facts: { kernels: string; threads: number; resolution: number };
  peakRssMiB: number;
}

const CHILD = path.join(__dirname, 'engine-child.js');

/**
 * Runs one round in a child process.
 * @throws {BenchError} when the child fails (its stderr in the message)
 */
export function runRound(spec: EngineSpec): Promise<RoundOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new BenchError(`cannot start a benchmark process: ${e.message}`)));
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        reject(new BenchError(`the ${spec.engine} process for ${spec.variant} batch ${spec.batch} failed (${signal ?? `exit ${code}`}): ${err.trim().slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(out.trim().split('\n').pop()!) as RoundOutput);
    });
  });
}

/** Every round of each engine, in the order given. */
export interface ProcessSamples {
  samples: Samples[];
  /** Each round's process id, per engine (all different: one process per round). */
  pids: number[][];
  /** The first round's output of each engine. */
  first: RoundOutput[];
  peakRssMiB: number[];
}

/**
 * Alternates the engines' rounds (ABBA: ours-theirs, theirs-ours, ...), each in its own process.
 * @param specs - one per engine, `seconds` being a round's length
 * @param rounds - rounds per engine (at least 1)
 * @param onRound - after each round
 * @param run - runs one round (runRound; a test passes a stand-in)
 * @throws {BenchError} when a round's process fails
 */
export async function measureInProcesses(
  specs: readonly EngineSpec[],
  rounds: number,
  onRound?: (engine: string, round: number, out: RoundOutput) => void,
  run: (spec: EngineSpec) => Promise<RoundOutput> = runRound,
): Promise<ProcessSamples> {
  const result: ProcessSamples = { samples: specs.map(() => ({ latenciesMs: [], rounds: [] })), pids: specs.map(() => []), first: [], peakRssMiB: specs.map(() => 0) };
  for (let round = 0; round < rounds; round++) {
    const order = specs.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const out = await run(specs[i]!);
      const s = result.samples[i]!;
      s.rounds.push(out.latenciesMs);
      s.latenciesMs.push(...out.latenciesMs);
      result.pids[i]!.push(out.pid);
      result.first[i] ??= out;
      result.peakRssMiB[i] = Math.max(result.peakRssMiB[i]!, out.peakRssMiB);
      onRound?.(specs[i]!.engine, round, out);
    }
  }
  return result;
}
