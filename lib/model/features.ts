/**
 * Multi-scale feature maps (the backbone outputs detectors and segmenters consume), as timm's
 * `features_only` gives them: a tensor per requested stage with its stride.
 */
import type { ArchSpec } from '../arch';
import type { Compiled, PlanOutput } from '../plan';
import { invalidParameterError, is } from '../errors';
import type { Layout } from './input';
import { Tensor } from './tensor';

/**
 * timm's `features_only` default: the last map at each reduction 2, 4, 8, 16, 32 (its out_indices
 * 0..4), which are the ends of stages 1, 2, 3, 5 and 7 here.
 */
export const DEFAULT_FEATURE_STAGES: readonly number[] = Object.freeze([1, 2, 3, 5, 7]);

/** One stage's feature map: a Tensor plus where it comes from. */
export class FeatureMap extends Tensor {
  /** 0 = the stem, 1..7 = the end of that stage. */
  readonly stage: number;
  /** Input pixels per feature-map pixel (the product of the strides so far: 2 … 32). */
  readonly stride: number;
  /** 'nchw' ([N, C, H, W]) or 'nhwc' ([N, H, W, C]). */
  readonly layout: Layout;

  /**
   * @throws {RangeError} when `data.length` is not the product of `dims`
   */
  constructor(data: Float32Array, dims: readonly number[], stage: number, stride: number, layout: Layout) {
    super(data, dims);
    this.stage = stage;
    this.stride = stride;
    this.layout = layout;
  }
}

/**
 * The plan output that holds a stage's map.
 * @throws never
 */
export function stageOutput(stage: number): PlanOutput {
  return stage === 0 ? 'stem' : (`stage${stage}` as PlanOutput);
}

/**
 * Checks a list of stages.
 *
 * @param stages - integers 0 (stem) … 7, no duplicates, at least one
 * @returns the list
 * @throws TypeError / RangeError for anything else
 */
export function checkStages(stages: unknown): number[] {
  if (!Array.isArray(stages) || stages.length === 0) {
    throw invalidParameterError('options.stages', 'a non-empty array of stage numbers 0 (stem) to 7', stages);
  }
  stages.forEach((s: unknown, i) => {
    if (!is.integer(s) || s < 0 || s > 7) throw invalidParameterError(`options.stages[${i}]`, 'an integer from 0 (stem) to 7', s);
  });
  if (new Set(stages).size !== stages.length) throw invalidParameterError('options.stages', 'no repeated stage', stages, 'range');
  return stages as number[];
}

/**
 * The stride of a stage's output: 2 for the stem times the stride of every stage up to it.
 * @throws never
 */
export function stageStride(arch: ArchSpec, stage: number): number {
  let stride = 2;
  for (let s = 0; s < stage; s++) stride *= arch.stages[s].stride;
  return stride;
}

/**
 * NHWC -> NCHW for a batch: one pass, reading sequentially and writing with a stride of H*W.
 *
 * @param nhwc - batch * h * w * c floats
 * @returns a new array, batch * c * h * w floats
 * @throws never
 */
export function nhwcToNchw(nhwc: Float32Array, batch: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(nhwc.length);
  const hw = h * w;
  const perImage = hw * c;
  for (let n = 0; n < batch; n++) {
    const base = n * perImage;
    for (let p = 0, src = base; p < hw; p++) {
      for (let ch = 0, dst = base + p; ch < c; ch++, dst += hw) out[dst] = nhwc[src++];
    }
  }
  return out;
}

/**
 * The FeatureMaps of one features() run: per stage asked, its map from `maps` (NHWC, keyed by
 * {@link stageOutput}) in `layout`, with its stride.
 */
export function featureMaps(
  arch: ArchSpec,
  compiled: Compiled,
  maps: Record<string, Float32Array>,
  stages: readonly number[],
  batch: number,
  layout: Layout,
): FeatureMap[] {
  return stages.map((stage) => {
    const name = stageOutput(stage);
    const { h, w, c } = compiled.outputs.get(name)!.shape;
    const stride = stageStride(arch, stage);
    return layout === 'nhwc'
      ? new FeatureMap(maps[name], [batch, h, w, c], stage, stride, 'nhwc')
      : new FeatureMap(nhwcToNchw(maps[name], batch, h, w, c), [batch, c, h, w], stage, stride, 'nchw');
  });
}
