/**
 * Lowering: ArchSpec + folded params -> the fused op list of lib/plan/types.ts.
 *
 *   stem conv_bn_act (k3 s2 swish)
 *   per block: [expand pwconv_bn_act swish] -> dwconv_bn_act swish (+ sums)
 *              -> se_gate (spatial = H*W of the dw output)
 *              -> project pwconv_bn_act act none (* gate) (+ residual = block input)
 *   head_pool (1x1 conv + swish + global mean) -> linear (classifier)
 *
 * The SE squeeze costs no pass of its own (the dw conv emits the sums) and the gated tensor is
 * never written (the project GEMM scales its A operand while loading).
 */

import { checkNumber, EfficientNetError, invalidParameterError, is } from '../errors';
import type { Plan, PlanOp, ValueDesc } from './types';
import type { FoldedLayer, FoldedParams } from '../weights/fold';
import { convOut, convPadding, PADDING_MODES, type PaddingMode } from '../arch/padding';
import { numel } from '../arch/params';
import { expandBlocks, type ArchSpec } from '../arch/spec';

/**
 * Values a plan can hand back: class logits, the pooled embedding, the full head map (for CAM),
 * and the multi-scale feature maps: the stem output (stride 2) and the last block output of each
 * stage 1..7 (strides 2, 4, 8, 16, 16, 32, 32).
 */
export type PlanOutput =
  | 'logits'
  | 'embedding'
  | 'head_map'
  | 'stem'
  | 'stage1'
  | 'stage2'
  | 'stage3'
  | 'stage4'
  | 'stage5'
  | 'stage6'
  | 'stage7';

/** Options of {@link lowerToPlan}. */
export interface LowerOptions {
  /** 'symmetric' for torch-trained weights, 'same' (TF SAME) for TF-trained. */
  padding: PaddingMode;
  /**
   * Input resolution: a side (square input) or [height, width] (the network is fully convolutional
   * up to its global pooling, so any size works; `cam(..., { full: true })` uses it); default the
   * arch's native one.
   */
  resolution?: number | readonly [number, number];
  /** Values to copy out, in this order; default ['logits']. */
  outputs?: PlanOutput[];
}

const OUTPUTS: readonly PlanOutput[] = [
  'logits', 'embedding', 'head_map', 'stem', 'stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'stage6', 'stage7',
];

/**
 * Build the plan.
 *
 * @param arch - the spec
 * @param folded - BN-folded params of that spec (from foldBatchNorm)
 * @param options - padding, resolution (integer 8..4096), outputs
 * @returns the plan and, per requested output name, its value id
 * @throws TypeError/RangeError for bad options;
 *   EfficientNetError ERR_WEIGHTS_MISSING / ERR_WEIGHTS_SHAPE when a folded layer is absent or mis-sized
 */
export function lowerToPlan(
  arch: ArchSpec,
  folded: FoldedParams,
  options: LowerOptions,
): { plan: Plan; outputs: Record<string, number> } {
  if (!is.plainObject(options)) throw invalidParameterError('options', 'an object', options);
  const padding = options.padding;
  if (!is.inArray(padding, PADDING_MODES)) {
    throw invalidParameterError('options.padding', PADDING_MODES.map((m) => `'${m}'`).join(' or '), padding);
  }
  const r = options.resolution ?? arch.resolution;
  const [inH, inW] = Array.isArray(r)
    ? [checkNumber('options.resolution[0]', r[0], 8, 4096, true), checkNumber('options.resolution[1]', r[1], 8, 4096, true)]
    : [checkNumber('options.resolution', r, 8, 4096, true), checkNumber('options.resolution', r, 8, 4096, true)];
  const wanted = options.outputs ?? ['logits'];
  if (!Array.isArray(wanted) || wanted.length === 0) {
    throw invalidParameterError('options.outputs', `a non-empty array of ${OUTPUTS.join(', ')}`, wanted);
  }
  for (const o of wanted) {
    if (!is.inArray(o, OUTPUTS)) throw invalidParameterError('options.outputs[]', `one of ${OUTPUTS.join(', ')}`, o);
  }
  if (new Set(wanted).size !== wanted.length) throw invalidParameterError('options.outputs', 'no duplicates', wanted.join(','), 'range');

  const layer = (name: string, shape: number[]): FoldedLayer => {
    const l = folded.get(name);
    if (!l) throw new EfficientNetError('ERR_WEIGHTS_MISSING', `folded layer ${name} is missing`);
    if (l.weight.length !== numel(shape) || l.bias.length !== shape[0]) {
      throw new EfficientNetError(
        'ERR_WEIGHTS_SHAPE',
        `folded layer ${name} has ${l.weight.length} weights and ${l.bias.length} biases, expected [${shape.join(', ')}]`,
      );
    }
    return l;
  };

  const values: ValueDesc[] = [];
  const value = (h: number, w: number, c: number): number => values.push({ h, w, c }) - 1;
  const ops: PlanOp[] = [];
  const input = value(inH, inW, 3);

  // Stem: dense 3x3 stride 2.
  let [h, w] = [inH, inW];
  let pad = convPadding(h, w, 3, 2, padding);
  [h, w] = [convOut(h, 3, 2, pad[0], pad[2]), convOut(w, 3, 2, pad[1], pad[3])];
  let cur = value(h, w, arch.stem);
  const stem = layer('stem', [arch.stem, 3, 3, 3]);
  ops.push({ op: 'conv_bn_act', name: 'stem', x: input, y: cur, k: 3, stride: 2, pad, act: 'swish', weight: stem.weight, bias: stem.bias });
  const ids: Partial<Record<PlanOutput, number>> = { stem: cur };

  let last = arch.stem;
  for (const b of expandBlocks(arch)) {
    const blockIn = cur;
    let x = cur;
    if (b.hasExpand) {
      const l = layer(`${b.name}.expand`, [b.midChannels, b.inChannels, 1, 1]);
      const y = value(h, w, b.midChannels);
      ops.push({ op: 'pwconv_bn_act', name: `${b.name}.expand`, x, y, act: 'swish', weight: l.weight, bias: l.bias });
      x = y;
    }
    const dw = layer(`${b.name}.dw`, [b.midChannels, 1, b.kernel, b.kernel]);
    pad = convPadding(h, w, b.kernel, b.stride, padding);
    [h, w] = [convOut(h, b.kernel, b.stride, pad[0], pad[2]), convOut(w, b.kernel, b.stride, pad[1], pad[3])];
    const dwOut = value(h, w, b.midChannels);
    const sums = value(1, 1, b.midChannels);
    ops.push({
      op: 'dwconv_bn_act', name: `${b.name}.dw`, x, y: dwOut, sums,
      k: b.kernel, stride: b.stride, pad, act: 'swish', weight: dw.weight, bias: dw.bias,
    });
    const red = layer(`${b.name}.se.reduce`, [b.seChannels, b.midChannels, 1, 1]);
    const exp = layer(`${b.name}.se.expand`, [b.midChannels, b.seChannels, 1, 1]);
    const gate = value(1, 1, b.midChannels);
    ops.push({
      op: 'se_gate', name: `${b.name}.se`, x: sums, y: gate, spatial: h * w,
      weight: red.weight, bias: red.bias, weight2: exp.weight, bias2: exp.bias,
    });
    const proj = layer(`${b.name}.project`, [b.outChannels, b.midChannels, 1, 1]);
    const out = value(h, w, b.outChannels);
    const op: PlanOp = { op: 'pwconv_bn_act', name: `${b.name}.project`, x: dwOut, y: out, gate, act: 'none', weight: proj.weight, bias: proj.bias };
    if (b.residual) op.residual = blockIn;
    ops.push(op);
    cur = out;
    last = b.outChannels;
    if (b.index === arch.stages[b.stage]!.repeats - 1) ids[`stage${b.stage + 1}` as PlanOutput] = out;
  }

  const head = layer('head', [arch.head, last, 1, 1]);
  const pooled = value(1, 1, arch.head);
  const headOp: PlanOp = { op: 'head_pool', name: 'head', x: cur, y: pooled, act: 'swish', weight: head.weight, bias: head.bias };
  ids.embedding = pooled;
  if (wanted.includes('head_map')) {
    headOp.map = value(h, w, arch.head);
    ids.head_map = headOp.map;
  }
  ops.push(headOp);
  if (wanted.includes('logits')) {
    const cls = layer('classifier', [arch.numClasses, arch.head]);
    const logits = value(1, 1, arch.numClasses);
    ops.push({ op: 'linear', name: 'classifier', x: pooled, y: logits, weight: cls.weight, bias: cls.bias });
    ids.logits = logits;
  }
  const outputs: Record<string, number> = {};
  for (const o of wanted) outputs[o] = ids[o]!;
  return { plan: { values, ops, input, outputs: wanted.map((o) => ids[o]!) }, outputs };
}
