/**
 * Batch-norm folding: conv -> BN (inference) becomes one conv with a bias.
 *   scale = gamma / sqrt(running_var + eps);  w' = w * scale (per output channel);
 *   b' = beta - running_mean * scale.
 * Computed in float64 and stored as float32, so the only rounding is the final one.
 */

import { checkNumber, EfficientNetError } from '../errors';
import { expandBlocks, type ArchSpec } from '../arch/spec';
import { expectedParams, numel } from '../arch/params';
import type { VariantName } from '../arch/variants';
import type { WeightFormat } from './key-maps';

/** One folded layer: weight in torch layout (OIHW / [out, in]) and its bias. */
export interface FoldedLayer {
  weight: Float32Array;
  bias: Float32Array;
  /** The weight's torch shape, e.g. [Cout, Cin, k, k]. */
  shape: number[];
}

/**
 * Folded parameters by layer: `stem`, `blocks.{s}.{j}.{expand,dw,project}`, `head` (BN folded in);
 * `blocks.{s}.{j}.se.reduce`, `blocks.{s}.{j}.se.expand` and `classifier` (unchanged).
 */
export type FoldedParams = Map<string, FoldedLayer>;

/**
 * The BN epsilon of a weight source.
 *
 * TRAP: eps is a property of where the weights were TRAINED, not of the architecture:
 * - torchvision B0..B4: 1e-5 (trained in PyTorch);
 * - torchvision B5..B7: 1e-3 (ported from TF; torchvision builds them with
 *   `partial(nn.BatchNorm2d, eps=0.001)`);
 * - timm efficientnet_*: 1e-5; timm tf_efficientnet_* (same key names!) need 1e-3, which the
 *   keys cannot tell apart: load() takes it from the source id or the file name (tf_efficientnet_*);
 * - lukemelas EfficientNet-PyTorch: 1e-3 (all its weights are TF ports);
 * - custom scalings and B8/L2: 1e-5 (torch default).
 * Using the wrong one shifts every BN output slightly and costs accuracy without an error.
 *
 * @param variant - the variant, or 'custom'
 * @param format - the key naming of the file
 * @returns 1e-5 or 1e-3
 * @throws never
 */
export function defaultBnEps(variant: VariantName | 'custom', format: WeightFormat): number {
  if (format === 'torchvision' && (variant === 'b5' || variant === 'b6' || variant === 'b7')) return 1e-3;
  // lukemelas' weights are all ports of the TF checkpoints, trained with TF's BN epsilon.
  if (format === 'lukemelas') return 1e-3;
  return 1e-5;
}

/**
 * Refuses values that would silently turn every logit into NaN: a NaN or infinite weight, or a
 * negative BN running_var (sqrt of a negative). One pass per tensor: `x * 0` is 0 for every finite
 * x and NaN otherwise, so a plain sum finds a bad value without a branch per element; the index is
 * only looked for once the sum says there is one. Measured cost: see bench/RESULTS.md
 * ("load-time value scan").
 *
 * @throws EfficientNetError ERR_WEIGHTS_VALUE naming the parameter, the index and the value
 */
export function checkValues(name: string, v: Float32Array): void {
  let poison = 0;
  for (let i = 0; i < v.length; i++) poison += v[i]! * 0;
  if (poison !== 0) {
    const i = v.findIndex((x) => !Number.isFinite(x));
    throw new EfficientNetError('ERR_WEIGHTS_VALUE', `parameter ${name} holds ${v[i]} at index ${i}: the weights are corrupt or diverged`);
  }
  if (name.endsWith('.running_var')) {
    const i = v.findIndex((x) => x < 0);
    if (i >= 0) {
      throw new EfficientNetError('ERR_WEIGHTS_VALUE', `parameter ${name} holds the negative variance ${v[i]} at index ${i}`);
    }
  }
}

/**
 * Fold one conv + BN.
 *
 * @param weight - conv weight, output channel major (OIHW or [out, in])
 * @param gamma - BN weight [C]
 * @param beta - BN bias [C]
 * @param mean - BN running_mean [C]
 * @param variance - BN running_var [C]
 * @param eps - BN epsilon
 * @returns the folded weight (same layout) and bias [C]
 * @throws EfficientNetError ERR_WEIGHTS_SHAPE when the sizes disagree;
 *   RangeError when eps is not a non-negative finite number
 */
export function foldConvBn(
  weight: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps: number,
): { weight: Float32Array; bias: Float32Array } {
  checkNumber('eps', eps, 0, 1);
  const c = gamma.length;
  if (beta.length !== c || mean.length !== c || variance.length !== c || c === 0 || weight.length % c !== 0) {
    throw new EfficientNetError(
      'ERR_WEIGHTS_SHAPE',
      `cannot fold BN: conv weight has ${weight.length} elements and BN vectors have ${c}/${beta.length}/${mean.length}/${variance.length}`,
    );
  }
  const per = weight.length / c;
  const w = new Float32Array(weight.length);
  const b = new Float32Array(c);
  for (let o = 0; o < c; o++) {
    const scale = gamma[o]! / Math.sqrt(variance[o]! + eps);
    b[o] = beta[o]! - mean[o]! * scale;
    const base = o * per;
    for (let i = 0; i < per; i++) w[base + i] = weight[base + i]! * scale;
  }
  return { weight: w, bias: b };
}

/**
 * Fold every BN of a network.
 *
 * @param arch - the spec the params belong to
 * @param params - canonical name -> values (from resolveParams)
 * @param options - eps (default 1e-5; use {@link defaultBnEps} for the weight source)
 * @returns the folded layers
 * @throws EfficientNetError ERR_WEIGHTS_MISSING / ERR_WEIGHTS_SHAPE when a tensor is absent or
 *   of the wrong size; RangeError for a bad eps
 */
export function foldBatchNorm(
  arch: ArchSpec,
  params: ReadonlyMap<string, Float32Array>,
  options: { eps?: number } = {},
): FoldedParams {
  const eps = checkNumber('options.eps', options.eps ?? 1e-5, 0, 1);
  const shapes = new Map(expectedParams(arch).map((p) => [p.name, p.shape]));
  const get = (name: string): Float32Array => {
    const v = params.get(name);
    const shape = shapes.get(name)!;
    if (!v) throw new EfficientNetError('ERR_WEIGHTS_MISSING', `parameter ${name} is missing`);
    if (v.length !== numel(shape)) {
      throw new EfficientNetError('ERR_WEIGHTS_SHAPE', `parameter ${name} has ${v.length} elements, expected [${shape.join(', ')}]`);
    }
    checkValues(name, v);
    return v;
  };
  const out: FoldedParams = new Map();
  const convBn = (layer: string): void => {
    const f = foldConvBn(
      get(`${layer}.conv.weight`),
      get(`${layer}.bn.weight`),
      get(`${layer}.bn.bias`),
      get(`${layer}.bn.running_mean`),
      get(`${layer}.bn.running_var`),
      eps,
    );
    out.set(layer, { ...f, shape: shapes.get(`${layer}.conv.weight`)!.slice() });
  };
  const plain = (layer: string): void => {
    out.set(layer, { weight: get(`${layer}.weight`), bias: get(`${layer}.bias`), shape: shapes.get(`${layer}.weight`)!.slice() });
  };
  convBn('stem');
  for (const b of expandBlocks(arch)) {
    if (b.hasExpand) convBn(`${b.name}.expand`);
    convBn(`${b.name}.dw`);
    plain(`${b.name}.se.reduce`);
    plain(`${b.name}.se.expand`);
    convBn(`${b.name}.project`);
  }
  convBn('head');
  plain('classifier');
  return out;
}
