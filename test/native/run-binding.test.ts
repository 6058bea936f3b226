// The addon's Model.run() called directly with its input layout: NCHW is transposed as the core
// copies the input (the same logits as the NHWC copy of it), any other layout is a TypeError, and
// the caller's array is free as soon as run() has returned its promise.
import { describe, expect, it } from 'vitest';
import { resolveArch } from '../../lib/arch';
import { getNative } from '../../lib/native';
import { lowerToPlan } from '../../lib/plan';
import { seededImageBatch } from '../../lib/random';
import { foldBatchNorm, resolveParams, seededStateDict } from '../../lib/weights';

describe('Model.run input layout (binding)', () => {
  // An odd resolution, so a transposition that mixes up rows and columns cannot pass.
  const arch = resolveArch({ width: 0.5, depth: 0.5, resolution: 33 });
  const folded = foldBatchNorm(arch, resolveParams(arch, seededStateDict(arch, 1)));
  const { plan } = lowerToPlan(arch, folded, { padding: 'symmetric', outputs: ['logits'] });
  const hw = 33 * 33;
  const classes = 1000;

  function toNhwc(nchw: Float32Array, batch: number): Float32Array {
    const out = new Float32Array(nchw.length);
    for (let n = 0; n < batch; n++)
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < hw; p++) out[n * 3 * hw + p * 3 + c] = nchw[n * 3 * hw + c * hw + p];
    return out;
  }

  it('NCHW input gives exactly the logits of its NHWC copy; the default is NHWC', async () => {
    const model = new (getNative().Model)(plan, { threads: 2 });
    const x = seededImageBatch(3, 33, 4);
    const run = async (input: Float32Array, layout?: 'nhwc' | 'nchw') => {
      const out = new Float32Array(3 * classes);
      await model.run(input, 3, [out], layout);
      return Array.from(out);
    };
    const viaNchw = await run(x, 'nchw');
    expect(await run(toNhwc(x, 3), 'nhwc')).toEqual(viaNchw);
    expect(await run(toNhwc(x, 3))).toEqual(viaNchw);
    expect(await run(x)).not.toEqual(viaNchw); // read as NHWC, the same floats are another image
    model.dispose();
  });

  it('a plan whose input has another channel count is transposed by plane too', async () => {
    // One 1x1 conv on a 5 x 7 x 6 input: each output pixel reads its own input pixel's channels,
    // so a transposition that mixed channels or pixels up would change the output.
    const cin = 6;
    const cout = 4;
    const weight = Float32Array.from({ length: cout * cin }, (_, i) => ((i * 7) % 11) - 5);
    const single = {
      values: [{ h: 5, w: 7, c: cin }, { h: 5, w: 7, c: cout }],
      ops: [{ op: 'pwconv_bn_act', name: 'p', x: 0, y: 1, act: 'none', weight, bias: new Float32Array(cout) }],
      input: 0,
      outputs: [1],
    };
    const model = new (getNative().Model)(single as never, { threads: 1 });
    const nchw = Float32Array.from({ length: 2 * 35 * cin }, (_, i) => Math.sin(i));
    const nhwc = new Float32Array(nchw.length);
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < cin; c++)
        for (let p = 0; p < 35; p++) nhwc[n * 35 * cin + p * cin + c] = nchw[n * 35 * cin + c * 35 + p];
    const a = new Float32Array(2 * 35 * cout);
    const b = new Float32Array(2 * 35 * cout);
    await model.run(nchw, 2, [a], 'nchw');
    await model.run(nhwc, 2, [b], 'nhwc');
    expect(Array.from(a)).toEqual(Array.from(b));
    model.dispose();
  });

  it('any other layout is a TypeError, before anything is queued', () => {
    const model = new (getNative().Model)(plan, { threads: 1 });
    const x = new Float32Array(3 * hw);
    const out = [new Float32Array(classes)];
    for (const bad of ['NCHW', 'chw', '', 3, null, {}]) {
      expect(() => model.run(x, 1, out, bad as never)).toThrow(TypeError);
    }
    model.dispose();
  });

  it("the caller's array may change as soon as run() returned its promise, in either layout", async () => {
    const model = new (getNative().Model)(plan, { threads: 2 });
    for (const layout of ['nchw', 'nhwc'] as const) {
      const x = seededImageBatch(2, 33, 5);
      const want = new Float32Array(2 * classes);
      await model.run(x.slice(), 2, [want], layout);
      const got = new Float32Array(2 * classes);
      const pending = model.run(x, 2, [got], layout);
      x.fill(Number.NaN);
      await pending;
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    model.dispose();
  });
});
