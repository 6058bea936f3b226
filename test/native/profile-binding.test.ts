// The addon's Model.profile() called directly: every bad argument is a JS error with a code or a
// TypeError / RangeError (never a crash), and a good call resolves with steps covering the plan.
import { describe, expect, it } from 'vitest';
import { resolveArch } from '../../lib/arch';
import { getNative } from '../../lib/native';
import { lowerToPlan } from '../../lib/plan';
import { foldBatchNorm, resolveParams, seededStateDict } from '../../lib/weights';

describe('Model.profile (binding)', () => {
  const arch = resolveArch({ width: 0.5, depth: 0.5, resolution: 32 });
  const folded = foldBatchNorm(arch, resolveParams(arch, seededStateDict(arch, 1)));
  const { plan } = lowerToPlan(arch, folded, { padding: 'symmetric', outputs: ['logits'] });
  const perImage = 32 * 32 * 3;

  it('checks its arguments before queueing anything, and refuses a disposed model', async () => {
    const model = new (getNative().Model)(plan, { threads: 1 });
    const good = new Float32Array(perImage);
    expect(() => model.profile(new Float64Array(perImage) as never, 1, 2)).toThrow(TypeError);
    expect(() => model.profile(good, 0, 2)).toThrow(RangeError);
    expect(() => model.profile(good, 1.5, 2)).toThrow(RangeError);
    expect(() => model.profile(good, 'one' as never, 2)).toThrow(TypeError);
    expect(() => model.profile(good, 1, 0)).toThrow(RangeError);
    expect(() => model.profile(good, 1, Number.NaN)).toThrow(RangeError);
    expect(() => model.profile(good, 1, 1e9)).toThrow(RangeError);
    expect(() => model.profile(good, 1, undefined as never)).toThrow(RangeError);
    expect(() => model.profile(new Float32Array(perImage + 1), 1, 2)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_SHAPE' }));
    const p = await model.profile(new Float32Array(perImage * 2), 2, 3);
    expect(p.steps.reduce((n, s) => n + s.opCount, 0)).toBe(plan.ops.length);
    expect(p.steps[0]!.firstOp).toBe(0);
    model.dispose();
    expect(() => model.profile(good, 1, 2)).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
  });
});
