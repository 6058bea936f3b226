// Seeded mutations of the .pth fixtures through the restricted unpickler and zip reader (the fuzz
// harness: test/fuzz/harness.ts, targets/pth.cjs).
import { describe, expect, it } from 'vitest';
import { runFuzz } from './harness';

const CASES = 600;

describe('fuzzed .pth files', () => {
  it.each([[1], [2]])(`seed %i: ${CASES} mutations end in success or a coded EfficientNetError`, (seed) => {
    const summary = runFuzz('pth', seed, CASES);
    // The mutations must reach the checks: most cases are refused, with the format code.
    expect(summary.codes.ERR_WEIGHTS_FORMAT ?? 0).toBeGreaterThan(CASES / 4);
  });
});
