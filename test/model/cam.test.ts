// Class activation maps checked against an independent computation: the head map is rebuilt here
// from the stage-7 features and the head conv + BN + swish read straight from the safetensors file
// (nothing folded, float64), the classifier row read from the same file.
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EfficientNet, parseSafetensors, resolveArch, seededStateDict, writeSafetensors } from '../../lib';
import { expectCode } from '../helpers/errors';

const IMAGE = path.join(__dirname, '..', 'fixtures/images/chelsea-landscape.png');
// Resolution 160 gives a 5x5 head map: enough positions for the map to mean something.
const SMALL = { width: 0.5, depth: 0.5, resolution: 160 } as const;
const SEED = 5;
const EPS = 1e-5; // torchvision B0-B4 / custom scalings

describe('cam()', () => {
  const arch = resolveArch(SMALL);
  const file = writeSafetensors(seededStateDict(arch, SEED));
  let model: EfficientNet;
  beforeAll(async () => {
    model = await EfficientNet.load({ variant: SMALL, weights: file });
  });
  afterAll(() => model.dispose());

  it('equals sum_k W[c,k] f_k(x,y) over the post-swish head map, and its mean + bias is the logit', async () => {
    const tensors = parseSafetensors(file);
    const t = (name: string): Float32Array => tensors.get(name)!.data as Float32Array;
    const headIndex = 1 + arch.stages.length; // torchvision: features.<8> is the head for 7 stages
    const conv = t(`features.${headIndex}.0.weight`); // [head, in, 1, 1]
    const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => t(`features.${headIndex}.1.${p}`));
    const W = t('classifier.1.weight');
    const bias = t('classifier.1.bias');
    const head = arch.head;
    const inC = conv.length / head;

    const results = await model.cam(IMAGE, { topK: 3 });
    const [stage7] = await model.features(IMAGE, { stages: [7], layout: 'nhwc' });
    const [, h, w, c] = stage7.dims;
    expect(c).toBe(inC);
    // f = swish(BN(conv_head(stage7))), in float64.
    const f = new Float64Array(h * w * head);
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < head; k++) {
        let z = 0;
        for (let i = 0; i < inC; i++) z += conv[k * inC + i] * stage7.data[p * inC + i];
        z = ((z - mean[k]) / Math.sqrt(variance[k] + EPS)) * gamma[k] + beta[k];
        f[p * head + k] = z / (1 + Math.exp(-z));
      }
    }
    expect(results).toHaveLength(3);
    let worstMap = 0;
    let worstLogit = 0;
    for (const r of results) {
      expect([r.rawWidth, r.rawHeight, r.width, r.height]).toEqual([w, h, 160, 160]);
      let sum = 0;
      let diff = 0;
      let scale = 0;
      for (let p = 0; p < h * w; p++) {
        let want = 0;
        for (let k = 0; k < head; k++) want += W[r.classIndex * head + k] * f[p * head + k];
        diff = Math.max(diff, Math.abs(r.raw[p] - want));
        scale = Math.max(scale, Math.abs(want));
        sum += r.raw[p];
      }
      worstMap = Math.max(worstMap, diff / scale);
      const logit = sum / (h * w) + bias[r.classIndex];
      worstLogit = Math.max(worstLogit, Math.abs(logit - r.logit) / Math.max(1, Math.abs(r.logit)));
    }
    console.log(`cam: max |raw - sum_k W f| / max |map| = ${worstMap.toExponential(2)}, max relative |mean + b - logit| = ${worstLogit.toExponential(2)} (seed ${SEED})`);
    expect(worstMap).toBeLessThan(1e-4);
    expect(worstLogit).toBeLessThan(1e-4);
  });

  it('explains the most probable classes by default, or the ones asked for', async () => {
    const [top] = await model.classify(IMAGE, { topK: 2 });
    const byTop = await model.cam(IMAGE, { topK: 2 });
    expect(byTop.map((r) => r.classIndex)).toEqual(top.map((p) => p.index));
    expect(byTop[0].probability).toBeCloseTo(top[0].probability, 6);
    expect(byTop[0].label).toBe(top[0].label);
    const asked = await model.cam(IMAGE, { classIndex: [7, 3] });
    expect(asked.map((r) => r.classIndex)).toEqual([7, 3]);
    expect((await model.cam(IMAGE))).toHaveLength(1);
  });

  it('gives a [0, 1] map at the input size and a PNG of the blended overlay', async () => {
    const [r] = await model.cam(IMAGE, { classIndex: 1 });
    expect(r.map).toHaveLength(160 * 160);
    let min = Infinity;
    let max = -Infinity;
    for (const v of r.map) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([0, 1]);
    // Corners of the upsampled map are the raw corners (edge clamping), in the same order.
    const corners = [r.raw[0], r.raw[r.rawWidth - 1]];
    expect(Math.sign(r.map[0] - r.map[159])).toBe(Math.sign(corners[0] - corners[1]));
    const meta = await sharp(r.png).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 160, 160, 3]);
    // alpha 0 is the de-normalized input itself: no colour map in it.
    const [plain] = await model.cam(IMAGE, { classIndex: 1, alpha: 0 });
    const [coloured] = await model.cam(IMAGE, { classIndex: 1, alpha: 1 });
    const px = async (png: Buffer) => (await sharp(png).raw().toBuffer());
    expect((await px(plain.png)).equals(await px(coloured.png))).toBe(false);
  });

  it('takes a preprocessed tensor of one image and rejects batches and bad arguments', async () => {
    const viaTensor = await model.cam(
      { data: new Float32Array(3 * 160 * 160).fill(0.5), dims: [1, 3, 160, 160] },
      { classIndex: 2 },
    );
    expect(viaTensor[0].raw).toHaveLength(25);
    await expectCode(model.cam({ data: new Float32Array(2 * 3 * 160 * 160), dims: [2, 3, 160, 160] }), 'ERR_INPUT_SHAPE', /one image/);
    await expect(model.cam(IMAGE, { classIndex: 1000 })).rejects.toThrow(RangeError);
    await expect(model.cam(IMAGE, { classIndex: 1, topK: 2 })).rejects.toThrow(/either classIndex or topK/);
    await expect(model.cam([IMAGE] as never)).rejects.toThrow(/one image/);
    await expect(model.cam(IMAGE, { alpha: 2 })).rejects.toThrow(RangeError);
    await expectCode(model.cam(path.join(__dirname, '..', 'nope.png')), 'ERR_IMAGE_NOT_FOUND');
  });

  describe('full: true (the whole photo, uncropped)', () => {
    const classifierBias = (): Float32Array => parseSafetensors(file).get('classifier.1.bias')!.data as Float32Array;
    const meanOf = (a: Float32Array): number => a.reduce((x, y) => x + y, 0) / a.length;

    it('on a landscape photo: a map of the photo\'s size, from a head map of the uncropped input, whose mean + bias is the logit', async () => {
      const [r] = await model.cam(IMAGE, { full: true, classIndex: 7 });
      const meta = await sharp(IMAGE).metadata();
      expect([r.width, r.height]).toEqual([meta.width, meta.height]);
      const png = await sharp(r.png).metadata();
      expect([png.width, png.height]).toEqual([meta.width, meta.height]);
      // Shorter side 160 -> 5 head rows; the longer side keeps the proportion (to a multiple of 32).
      const wantWidth = Math.round((meta.width! * 160) / meta.height! / 32) * 32;
      expect([r.rawHeight, r.rawWidth]).toEqual([160 / 32, wantWidth / 32]);
      expect(r.rawWidth).toBeGreaterThan(r.rawHeight);
      const logit = meanOf(r.raw) + classifierBias()[7]!;
      expect(Math.abs(logit - r.logit) / Math.max(1, Math.abs(r.logit))).toBeLessThan(1e-4);
      // Another input than the crop's: the logit differs from the default cam's.
      const [cropped] = await model.cam(IMAGE, { classIndex: 7 });
      expect(r.logit).not.toBe(cropped.logit);
    });

    it('on a square photo equals the default where the policy neither enlarges nor trims', async () => {
      const policy = { kind: 'resize-crop', resizeSize: 160, cropSize: 160, interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
      const m = await EfficientNet.load({ variant: SMALL, weights: file, preprocessing: policy });
      try {
        const square = path.join(__dirname, '..', 'fixtures/images/coffee-square.png');
        const [a] = await m.cam(square, { classIndex: 3, preprocess: { resize: 'pil' } });
        const [b] = await m.cam(square, { classIndex: 3, full: true, preprocess: { resize: 'pil' } });
        expect(b.logit).toBe(a.logit);
        expect(Array.from(b.raw)).toEqual(Array.from(a.raw));
      } finally {
        m.dispose();
      }
    });

    it('takes paths and bytes only, and a boolean', async () => {
      await expect(model.cam({ data: new Float32Array(3 * 160 * 160), dims: [1, 3, 160, 160] }, { full: true })).rejects.toThrow(TypeError);
      await expect(model.cam(IMAGE, { full: 'yes' as never })).rejects.toThrow(TypeError);
    });
  });
});
