import { configDefaults, defineConfig } from 'vitest/config';

// test/slow/ holds the build-from-scratch checks (node-gyp, packing): minutes, not seconds. They run
// in CI (CI=true) and with EFFICIENTNET_SLOW_TESTS=1, not in the everyday `npm test`.
const slow = Boolean(process.env.CI || process.env.EFFICIENTNET_SLOW_TESTS);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(slow ? [] : ['test/slow/**'])],
    // Native work and the torch-parity networks are heavy on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Files run in forks so a native failure is contained to one file's worker.
    pool: 'forks',
  },
});
