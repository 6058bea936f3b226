/**
 * Building a model's native plans: reading and folding the weights, lowering and compiling.
 * Kept apart from the EfficientNet class so load() and the lazily compiled features() plan share it.
 */
import { promises as fs } from 'node:fs';
import { lowerToPlan, type ArchSpec, type PaddingMode, type PlanOutput } from './arch';
import { EfficientNetError } from './errors';
import { getNative, wrapNativeError, type NativeCompileOptions, type NativeModel } from './native';
import type { ValueDesc } from './plan';
import {
  foldBatchNorm,
  parseSafetensors,
  parsePth,
  isPth,
  resolveParams,
  seededStateDict,
  type FoldedParams,
  type TensorData,
  type WeightFormat,
} from './weights';

// run/classify/embed/cam: see the module comment for why the stage maps are not here.
export const MAIN_OUTPUTS: PlanOutput[] = ['logits', 'embedding', 'head_map'];
export const FEATURE_OUTPUTS: PlanOutput[] = ['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'stage6', 'stage7'];

/** A compiled plan and where its outputs are. */
export interface Compiled {
  native: NativeModel;
  /** plan.outputs: value ids in the order native.run() takes its buffers. */
  order: number[];
  /** Per exported output: its value id and per-image shape. */
  outputs: Map<PlanOutput, { id: number; shape: ValueDesc }>;
}

/**
 * The {@link NativeCompileOptions} a model fixes at load() (all set), reused for its extra plans:
 * derived, so the compile options have one declaration.
 */
export type CompileChoices = Required<Pick<NativeCompileOptions, 'threads' | 'kernels' | 'device' | 'precision'>>;

export function compile(
  arch: ArchSpec,
  folded: FoldedParams,
  lower: { padding: PaddingMode; resolution: number | readonly [number, number]; outputs: PlanOutput[] },
  options: CompileChoices,
  stack: Error,
): Compiled {
  const { plan, outputs } = lowerToPlan(arch, folded, lower);
  let native: NativeModel;
  try {
    native = new (getNative().Model)(plan, options);
  } catch (err) {
    throw wrapNativeError(err, stack);
  }
  const map = new Map(lower.outputs.map((name) => [name, { id: outputs[name], shape: plan.values[outputs[name]] }]));
  return { native, order: plan.outputs, outputs: map };
}

// Where load() got its weights.
export type WeightsOrigin = { kind: 'file'; path: string } | { kind: 'buffer'; bytes: Uint8Array } | { kind: 'random'; seed: number };

export async function readWeights(weights: string | Uint8Array): Promise<Uint8Array> {
  if (typeof weights !== 'string') return weights;
  try {
    return await fs.readFile(weights);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EfficientNetError(
      'ERR_WEIGHTS_FORMAT',
      `Cannot read weights file ${weights}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { cause: err },
    );
  }
}

// The raw tensors of a weight source (random: the seeded init, regenerated).
export async function readTensors(arch: ArchSpec, origin: WeightsOrigin, format: WeightFormat): Promise<Map<string, TensorData>> {
  if (origin.kind === 'random') return seededStateDict(arch, origin.seed, format);
  const bytes = origin.kind === 'file' ? await readWeights(origin.path) : origin.bytes;
  return isPth(bytes) ? parsePth(bytes) : parseSafetensors(bytes);
}

// Tensors -> BN-folded layers. Empties `tensors` on the way (the raw copies can go before packing
// doubles the memory).
export function foldTensors(arch: ArchSpec, tensors: Map<string, TensorData>, format: WeightFormat, bnEps: number): FoldedParams {
  const params = resolveParams(arch, tensors, format);
  tensors.clear();
  const folded = foldBatchNorm(arch, params, { eps: bnEps });
  params.clear();
  return folded;
}
