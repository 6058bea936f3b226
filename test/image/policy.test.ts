// Policies and their integer geometry: each rounding rule of torchvision / timm / TF, alone.
import { describe, expect, it } from 'vitest';
import { centerCropRect, intersect, pythonRound, resizeShorterSide, tfCenterCropRect } from '../../lib/image/geometry';
import { normalizeTable } from '../../lib/image/normalize';
import {
  ADVPROP_MEAN,
  IMAGENET_MEAN,
  IMAGENET_STD,
  policyResolution,
  tfPolicy,
  timmPolicy,
  timmTfPolicy,
  torchvisionPolicy,
  validatePolicy,
  type PolicyVariant,
} from '../../lib/image';

describe('pythonRound (banker\'s rounding, as torchvision\'s int(round(x)))', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [16, 16],
    [58.5, 58],
    [59.5, 60],
    [2.4, 2],
    [2.6, 3],
  ])('round(%s) = %s', (x, want) => expect(pythonRound(x)).toBe(want));
});

describe('resizeShorterSide (torchvision Resize(int))', () => {
  it.each([
    // [w, h, size, want w, want h]
    [241, 167, 256, 369, 256], // int(256 * 241 / 167) = 369.43 -> 369
    [181, 233, 256, 256, 329], // portrait: width is the short side
    [190, 190, 256, 256, 256], // square
    [640, 427, 256, 383, 256], // int(383.70)
    [14, 25, 255, 255, 455], // int(455.35)
    [1000, 1, 256, 256000, 256],
  ])('%sx%s -> %s', (w, h, s, ww, hh) => expect(resizeShorterSide(w, h, s)).toEqual({ width: ww, height: hh }));
});

describe('centerCropRect (torchvision CenterCrop)', () => {
  it('uses banker\'s rounding for odd margins', () => {
    // (95 - 90) / 2 = 2.5 -> 2 (round half to even), (97 - 90) / 2 = 3.5 -> 4
    expect(centerCropRect(95, 97, 90)).toEqual({ left: 2, top: 4, width: 90, height: 90 });
    expect(centerCropRect(369, 256, 224)).toEqual({ left: 72, top: 16, width: 224, height: 224 });
  });
  it('pads (negative offsets) when the crop is larger than the image', () => {
    // torchvision pads (crop - w) // 2 on the left: (10 - 5) // 2 = 2.
    expect(centerCropRect(5, 20, 10)).toEqual({ left: -2, top: 5, width: 10, height: 10 });
    expect(centerCropRect(5, 6, 10)).toEqual({ left: -2, top: -2, width: 10, height: 10 });
  });
  it('intersects with the image', () => {
    expect(intersect({ left: -2, top: 5, width: 10, height: 10 }, 5, 20)).toEqual({ left: 0, top: 5, width: 5, height: 10 });
    expect(intersect({ left: 10, top: 0, width: 3, height: 3 }, 5, 5).width).toBe(0);
  });
});

describe('tfCenterCropRect (TF reference eval)', () => {
  it('crops size / (size + 32) of the shorter side with TF\'s offsets', () => {
    // int(224 / 256 * 167) = int(146.125) = 146; offsets ((241 - 146) + 1) // 2 = 48, ((167 - 146) + 1) // 2 = 11
    expect(tfCenterCropRect(241, 167, 224 / 256)).toEqual({ left: 48, top: 11, width: 146, height: 146 });
    expect(tfCenterCropRect(1, 1, 224 / 256)).toEqual({ left: 0, top: 0, width: 1, height: 1 });
  });
});

describe('policy builders', () => {
  const table: Array<[PolicyVariant, number, number]> = [
    ['b0', 256, 224],
    ['b1', 256, 240],
    ['b2', 288, 288],
    ['b3', 320, 300],
    ['b4', 384, 380],
    ['b5', 456, 456],
    ['b6', 528, 528],
    ['b7', 600, 600],
  ];
  it.each(table)('torchvision %s: resize %s, crop %s, bicubic, ImageNet', (v, resize, crop) => {
    expect(torchvisionPolicy(v)).toEqual({
      kind: 'resize-crop',
      resizeSize: resize,
      cropSize: crop,
      interpolation: 'bicubic',
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
    });
  });
  it('torchvision B1 V2 is 255 / 240 bilinear; V2 exists for b1 only', () => {
    expect(torchvisionPolicy('b1', 'IMAGENET1K_V2')).toMatchObject({ resizeSize: 255, cropSize: 240, interpolation: 'bilinear' });
    expect(() => torchvisionPolicy('b0', 'IMAGENET1K_V2')).toThrow(RangeError);
    expect(() => torchvisionPolicy('b9' as PolicyVariant)).toThrow(TypeError);
  });
  it.each([
    ['b0', 256, 224],
    ['b1', 272, 240],
    ['b2', 292, 260],
    ['b3', 331, 300],
    ['b4', 412, 380],
    ['b5', 488, 456],
    ['b6', 560, 528],
    ['b7', 632, 600],
  ] as Array<[PolicyVariant, number, number]>)('timm tf_efficientnet_%s: resize floor(size / crop_pct) = %s', (v, resize, crop) => {
    expect(timmTfPolicy(v)).toMatchObject({ resizeSize: resize, cropSize: crop, mean: IMAGENET_MEAN });
  });
  it('AdvProp uses mean = std = 0.5', () => {
    expect(timmTfPolicy('b3', { advprop: true })).toMatchObject({ mean: ADVPROP_MEAN, std: [0.5, 0.5, 0.5] });
    expect(tfPolicy('b0', { advprop: true }).std).toEqual([0.5, 0.5, 0.5]);
  });
  it('TF eval policy: crop-resize with the 32-pixel crop padding', () => {
    expect(tfPolicy('b4')).toMatchObject({ kind: 'crop-resize', size: 380, cropFraction: 380 / 412 });
    expect(policyResolution(tfPolicy(260))).toBe(260);
  });
  it('timmPolicy checks its arguments', () => {
    expect(timmPolicy(300, 1).resizeSize).toBe(300);
    expect(() => timmPolicy(300, 0)).toThrow(RangeError);
    expect(() => timmPolicy(0, 0.9)).toThrow(RangeError);
  });
  it('validatePolicy rejects malformed policies with the house message', () => {
    const good = torchvisionPolicy('b0');
    expect(validatePolicy(good)).toBe(good);
    expect(() => validatePolicy({ ...good, kind: 'other' })).toThrow(/Expected 'resize-crop' or 'crop-resize' for policy.kind/);
    expect(() => validatePolicy({ ...good, std: [1, 0, 1] })).toThrow(/policy.std\[1\]/);
    expect(() => validatePolicy({ ...good, cropSize: 0 })).toThrow(RangeError);
    expect(() => validatePolicy({ ...good, interpolation: 'nearest' })).toThrow(TypeError);
    expect(() => validatePolicy(null)).toThrow(TypeError);
  });
});

describe('normalizeTable (torchvision\'s float32 arithmetic)', () => {
  it('computes ((v / 255) - mean) / std in float32 at every step', () => {
    const lut = normalizeTable(IMAGENET_MEAN, IMAGENET_STD);
    // Values printed by torch 1.13: T.Normalize(mean, std)(T.ToTensor()(pixel)) for these bytes.
    const f = Math.fround;
    for (const [c, v] of [[0, 0], [0, 255], [1, 128], [2, 77]] as const) {
      const want = f(f(f(v / 255) - f(IMAGENET_MEAN[c])) / f(IMAGENET_STD[c]));
      expect(lut[c * 256 + v]).toBe(want);
    }
    expect(lut[0]).toBe(-2.1179039478302);
    expect(lut[255]).toBe(2.248908281326294);
  });
});
