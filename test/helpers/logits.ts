import { expect } from 'vitest';

/** Indices of the k largest values. */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from(values, (v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map(([, i]) => i);
}

/**
 * Asserts the parity rule: max abs difference <= 1e-4 * max |reference| and identical top-5 per
 * image. Prints what was measured, so the figures reach the log.
 */
export function compareLogits(ours: Float32Array, reference: number[], batch: number, label: string): void {
  expect(ours.length, `${label}: logits count`).toBe(reference.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < reference.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference[i]));
    maxRef = Math.max(maxRef, Math.abs(reference[i]));
  }
  console.log(`${label}: max |diff| ${maxDiff.toExponential(2)}, max |logit| ${maxRef.toFixed(3)}, relative ${(maxDiff / maxRef).toExponential(2)}`);
  expect(maxDiff, `${label}: max abs difference vs torchvision`).toBeLessThanOrEqual(1e-4 * maxRef);
  const classes = reference.length / batch;
  for (let n = 0; n < batch; n++) {
    const mine = topK(ours.subarray(n * classes, (n + 1) * classes), 5);
    const theirs = topK(reference.slice(n * classes, (n + 1) * classes), 5);
    expect(mine, `${label}: top-5 of image ${n}`).toEqual(theirs);
  }
}
