// Every op case of the core's op table (native/test/op_cases.cc: odd shapes, k 3/5, stride 1/2,
// symmetric and TF SAME padding, gates, residuals, tails past the vector width), each fast CPU
// kernel level against the scalar reference. The table lives in C++ so the no-Node tools
// (native/tools/effnet_check) run exactly the same cases; being test data, it is built into the
// test addon (build/Release/efficientnet_test.node, next to the addon), not the shipped one.
//
// Precision 'bf16' is a candidate too where the CPU has it (see the loop below).
// Tolerance (fp32, as ggml's test-backend-ops): NMSE <= 1e-7 and max abs <= 1e-4 * max(1, max |ref|).
// Kernels reassociate sums (blocking, FMA), so bit-equality is not expected; a wrong index or a
// missed tail element gives errors of order 1.
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getNative, type NativeCompileOptions, type OpCheckResult } from '../../lib/native';

/** The test addon's exports (native/test/op_cases_addon.cc). */
interface OpTable {
  opCases(): string[];
  checkOpCase(id: string, options?: NativeCompileOptions): OpCheckResult;
}

const native = getNative();
const table = createRequire(__filename)(path.join(__dirname, '../../build/Release/efficientnet_test.node')) as OpTable;
const ids = table.opCases();
// Every fast level this CPU can run (generic, avx2, avx512 ...), as the core reports them.
const levels = native.info().cpuLevels;

describe('op table', () => {
  it('runs at least the generic level', () => {
    expect(levels).toContain('generic');
  });

  it('covers every op', () => {
    for (const op of ['conv_bn_act', 'dwconv_bn_act', 'se_gate', 'pwconv_bn_act', 'head_pool', 'linear']) {
      expect(ids.some((id) => id.startsWith(`${op}/`)), op).toBe(true);
    }
  });

  // Each fast level at fp32, and the bf16 kernels where this CPU has them: their 1x1 ops are checked
  // against the reference fed bf16-rounded inputs and weights (exact products, so the same fp32
  // tolerance; op_cases.cc as_bf16_products), their other ops against the plain reference.
  const candidates: [string, NativeCompileOptions][] = levels.map((level) => [level, { cpuLevel: level }]);
  if (native.info().bf16) candidates.push(['bf16', { precision: 'bf16' }]);
  for (const [label, options] of candidates) {
    describe(label, () => {
      it.each(ids)('%s', (id) => {
        const r = table.checkOpCase(id, options);
        const bound = 1e-4 * Math.max(1, r.maxAbsRef);
        expect(r.nmse, `${id} seed ${r.seed}`).toBeLessThanOrEqual(1e-7);
        expect(r.maxAbsDiff, `${id} seed ${r.seed}`).toBeLessThanOrEqual(bound);
        expect(r.count).toBeGreaterThan(0);
        // The core's own verdict uses the same tolerances (kOpCaseMaxNmse / kOpCaseMaxAbs).
        expect(r.passed, `${id} (${r.kernel})`).toBe(true);
      });
    });
  }
});
