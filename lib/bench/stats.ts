/**
 * The few statistics the benchmark reports. Medians, not means: a run that a neighbour process or
 * the garbage collector interrupts is an outlier we do not want in the figure, and on a shared
 * machine such outliers are common.
 */

/**
 * The q-quantile of `values` with linear interpolation between order statistics (numpy's default).
 * @param values - samples, any order (not modified)
 * @param q - 0 … 1 (0.5 the median, 0.9 the 90th percentile)
 * @returns the quantile, NaN for no samples
 * @throws {RangeError} for q outside 0 … 1
 */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`Expected a number between 0 and 1 for q but received ${q}`);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The median of `values`.
 * @returns NaN for no samples
 * @throws never
 */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * How much per-round figures disagree: (max - min) / reference. Each round is a separate stretch
 * of time, so this catches drift and neighbours that the spread within one round hides.
 * @param values - one figure per round
 * @param reference - what the spread is relative to (e.g. the overall median)
 * @returns a fraction (0.05 = 5 %), or null with fewer than two rounds (no spread to speak of)
 * @throws never
 */
export function relativeSpread(values: readonly number[], reference: number): number | null {
  if (values.length < 2 || !(reference > 0)) return null;
  return (Math.max(...values) - Math.min(...values)) / reference;
}
