// Seeded mutations of safetensors files, .npy files and images, and a corpus of broken images
// (the fuzz harness: test/fuzz/harness.ts, targets/*.cjs). Every case ends in success or an
// EfficientNetError with a code, in a child process that neither crashes nor hangs.
import { describe, expect, it } from 'vitest';
import { runFuzz } from './harness';

describe('fuzzed inputs', () => {
  it.each([[1], [2]])('safetensors, seed %i: 1000 mutations', (seed) => {
    const s = runFuzz('safetensors', seed, 1000);
    expect(s.codes.ERR_WEIGHTS_FORMAT ?? 0).toBeGreaterThan(250);
  });
  it.each([[1], [2]])('.npy, seed %i: 1000 mutations', (seed) => {
    const s = runFuzz('npy', seed, 1000);
    expect(s.codes.ERR_NPY_FORMAT ?? 0).toBeGreaterThan(250);
  });
  it('images: the broken corpus and 300 mutated photos', () => {
    const s = runFuzz('image', 1, 300);
    expect(s.codes.ERR_IMAGE_DECODE ?? 0).toBeGreaterThan(14 / 2);
  });
});
