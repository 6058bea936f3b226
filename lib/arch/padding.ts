/**
 * Convolution padding rules. Plans carry explicit 4-sided padding, so TF SAME costs nothing at
 * run time (timm's tf_ variants pay for a dynamic pad op instead).
 */

import { checkNumber } from '../errors';

/** How convs are padded: symmetric (k-1)/2 for torch-trained weights, TF SAME for TF-trained. */
export const PADDING_MODES = ['symmetric', 'same'] as const;

/** One of {@link PADDING_MODES}. */
export type PaddingMode = (typeof PADDING_MODES)[number];

/** [top, left, bottom, right], as in PlanOp.pad. */
export type Pad4 = [number, number, number, number];

/**
 * Padding along one axis.
 *
 * TRAP (TF SAME): the total is max((ceil(in/s) - 1) * s + k - in, 0) and depends on the input
 * size; the odd pixel goes to the END (bottom/right): before = floor(total/2), after = the rest.
 * For even inputs at stride 2 that is (0, 1) for k3 and (1, 2) for k5, i.e. NOT symmetric;
 * padding (1, 1) there shifts every output by one pixel and silently breaks TF-trained weights.
 *
 * @param size - input extent along the axis
 * @param k - kernel size
 * @param stride - stride
 * @param mode - 'symmetric' or 'same'
 * @returns [before, after]
 * @throws RangeError on non-positive integers or an unknown mode
 */
export function padAxis(size: number, k: number, stride: number, mode: PaddingMode): [number, number] {
  checkNumber('size', size, 1, 1 << 20, true);
  checkNumber('k', k, 1, 64, true);
  checkNumber('stride', stride, 1, 64, true);
  if (mode === 'symmetric') {
    const p = Math.floor((k - 1) / 2);
    return [p, p];
  }
  if (mode === 'same') {
    const total = Math.max((Math.ceil(size / stride) - 1) * stride + k - size, 0);
    const before = Math.floor(total / 2);
    return [before, total - before];
  }
  throw new RangeError(`Expected 'symmetric' or 'same' for padding but received ${String(mode)}`);
}

/**
 * 4-sided padding of a square-kernel conv on an h x w input.
 *
 * @param h - input height
 * @param w - input width
 * @param k - kernel size
 * @param stride - stride
 * @param mode - 'symmetric' or 'same'
 * @returns [top, left, bottom, right]
 * @throws RangeError as {@link padAxis}
 */
export function convPadding(h: number, w: number, k: number, stride: number, mode: PaddingMode): Pad4 {
  const [t, b] = padAxis(h, k, stride, mode);
  const [l, r] = padAxis(w, k, stride, mode);
  return [t, l, b, r];
}

/**
 * Output extent of a conv along one axis: floor((in + before + after - k) / s) + 1.
 *
 * @param size - input extent
 * @param k - kernel size
 * @param stride - stride
 * @param before - padding before
 * @param after - padding after
 * @returns output extent (at least 1 for valid paddings)
 * @throws never
 */
export function convOut(size: number, k: number, stride: number, before: number, after: number): number {
  return Math.floor((size + before + after - k) / stride) + 1;
}
