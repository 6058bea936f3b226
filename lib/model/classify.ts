/**
 * Logits to answers: a numerically stable softmax in float64 and the top-k classes.
 */

/** One class of a classification. */
export interface Prediction {
  /** Class index (the row of the classifier). */
  index: number;
  /** The class name from the model's labels. */
  label: string;
  /** Softmax probability over all classes, in [0, 1]. */
  probability: number;
}

/**
 * The softmax of one row of logits, in float64: exp(x - max) / sum(exp(x - max)). Subtracting the
 * max keeps exp() from overflowing for large logits; the sum in float64 keeps tiny classes from
 * rounding to zero against 1000 terms of float32.
 *
 * @param logits - one image's logits
 * @returns probabilities summing to 1 (to float64 rounding)
 * @throws never
 */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i] - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * Indices of the k largest values, largest first; ties keep the lower index first (a stable order
 * that does not depend on the sort implementation).
 *
 * @param values - the scores
 * @param k - how many (clamped to values.length)
 * @returns the indices
 * @throws never
 */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const n = Math.min(k, values.length);
  const top: number[] = [];
  // Insertion into a sorted list of at most k: O(classes * k), and k is small (5).
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (top.length === n && !(v > values[top[n - 1]])) continue;
    let j = top.length === n ? n - 1 : top.length;
    while (j > 0 && v > values[top[j - 1]]) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = i;
  }
  return top;
}

/**
 * The top-k classes of one row of logits.
 *
 * @param logits - one image's logits
 * @param k - number of classes to return
 * @param labels - names by class index
 * @returns predictions, most probable first
 * @throws never
 */
export function topPredictions(logits: ArrayLike<number>, k: number, labels: readonly string[]): Prediction[] {
  const p = softmax(logits);
  return topIndices(logits, k).map((index) => ({ index, label: labels[index], probability: p[index] }));
}
