import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native work and the torch-parity networks are heavy on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Files run in forks so a native failure is contained to one file's worker.
    pool: 'forks',
  },
});
