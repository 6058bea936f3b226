/**
 * Channel and depth rounding rules, shared by the table variants and custom scalings.
 */

import { checkNumber } from '../errors';

/**
 * round_filters / torchvision `_make_divisible`: scale channels by `width` and round to a multiple
 * of `divisor`, never below `divisor`, and never more than 10% below the scaled value
 * (the "90% rule": if rounding down lost more than 10%, add one more `divisor`).
 * Applied to the stem (32), every stage's channels and the head (1280).
 *
 * @param channels - base channel count (B0)
 * @param width - width multiplier
 * @param divisor - rounding unit (8 in every EfficientNet)
 * @returns the rounded channel count
 * @throws RangeError when an argument is not a positive finite number
 */
export function roundFilters(channels: number, width: number, divisor = 8): number {
  checkNumber('channels', channels, 1, 1e6, true);
  checkNumber('width', width, Number.MIN_VALUE, 1e3);
  checkNumber('divisor', divisor, 1, 1024, true);
  const f = channels * width;
  let rounded = Math.max(divisor, Math.floor((f + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * f) rounded += divisor;
  return rounded;
}

/**
 * round_repeats: ceil(depth * repeats), as torchvision/timm/TF do (so depth 1.1 turns 1 into 2).
 *
 * @param repeats - base repeat count (B0)
 * @param depth - depth multiplier
 * @returns the scaled repeat count
 * @throws RangeError when an argument is not a positive finite number
 */
export function roundRepeats(repeats: number, depth: number): number {
  checkNumber('repeats', repeats, 1, 1e4, true);
  checkNumber('depth', depth, Number.MIN_VALUE, 1e3);
  return Math.ceil(depth * repeats);
}

/** The paper's grid-searched compound-scaling bases (phi = 1): depth, width, resolution. */
export const COMPOUND = { alpha: 1.2, beta: 1.1, gamma: 1.15 } as const;

/**
 * The paper's compound scaling for a given phi: depth = 1.2^phi, width = 1.1^phi,
 * resolution = 224 * 1.15^phi rounded to the NEAREST multiple of 8 (8 keeps every stride-2 stage
 * except the last two on whole pixels, and matches the divisor used for channels; the shipped
 * B1..B7 do not follow this rule, they come from the table).
 *
 * @param phi - the compound coefficient, 0..10 (0 gives B0's shape)
 * @returns width, depth and resolution
 * @throws TypeError/RangeError when phi is not a finite number in [0, 10]
 */
export function phiScaling(phi: number): { width: number; depth: number; resolution: number } {
  checkNumber('phi', phi, 0, 10);
  return {
    width: COMPOUND.beta ** phi,
    depth: COMPOUND.alpha ** phi,
    resolution: Math.max(8, Math.round((224 * COMPOUND.gamma ** phi) / 8) * 8),
  };
}
