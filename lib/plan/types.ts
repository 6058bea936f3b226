/**
 * The plan handed to the native core: a flat list of fused ops over numbered values.
 * Mirrors native/include/effnet/plan.h field for field (the binding copies it across).
 * Shapes are per image, NHWC; vectors are `{ h: 1, w: 1, c }`.
 */

/** The op names, one per fused op, used in TS, C++, CUDA, tests and benches. */
export const OP_NAMES = [
  'conv_bn_act',
  'dwconv_bn_act',
  'se_gate',
  'pwconv_bn_act',
  'head_pool',
  'linear',
] as const;

/** One of {@link OP_NAMES}. */
export type OpName = (typeof OP_NAMES)[number];

/** Activation fused into an op's epilogue. */
export type Activation = 'none' | 'swish';

/** Per-image shape of a value (activation tensor), NHWC. */
export interface ValueDesc {
  h: number;
  w: number;
  c: number;
}

/**
 * One fused op. Which slots an op uses:
 * - conv_bn_act: x -> y; weight OIHW [Cout, Cin, k, k], bias [Cout]; k, stride, pad, act.
 * - dwconv_bn_act: x -> y (+ sums, per-channel sums of y); weight [C, k, k], bias [C]; k, stride, pad, act.
 * - se_gate: x (= sums) -> y (= gate); spatial = H*W of the summed map;
 *   weight [Cr, C], bias [Cr] (reduce, swish), weight2 [C, Cr], bias2 [C] (expand, sigmoid).
 * - pwconv_bn_act: x (* gate) -> y (+ residual); weight [Cout, Cin], bias [Cout]; act.
 * - head_pool: x -> y (pooled, swish applied before the mean) (+ map, the full head map); weight [Cout, Cin].
 * - linear: x -> y; weight [Cout, Cin], bias [Cout].
 */
export interface PlanOp {
  op: OpName;
  /** A short label for errors and profiles, e.g. "blocks.3.1.dw". */
  name: string;
  x: number;
  y: number;
  sums?: number;
  map?: number;
  gate?: number;
  residual?: number;
  k?: number;
  stride?: number;
  /** top, left, bottom, right */
  pad?: [number, number, number, number];
  act?: Activation;
  spatial?: number;
  weight: Float32Array;
  bias: Float32Array;
  weight2?: Float32Array;
  bias2?: Float32Array;
}

/** A whole network (or a single op, in tests) ready for `native.compile`. */
export interface Plan {
  values: ValueDesc[];
  ops: PlanOp[];
  /** Value id of the network input [H, W, 3]. */
  input: number;
  /** Value ids copied out by run(), in this order. */
  outputs: number[];
}
