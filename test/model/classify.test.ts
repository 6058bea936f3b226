// Images in, answers out: labels, softmax/top-k, classify() on images and tensors, the default
// preprocessing per weight source, embed(), features(), and bad images through the model API.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EfficientNet,
  IMAGENET_LABELS,
  preprocess,
  softmax,
  timmPolicy,
  timmTfPolicy,
  torchvisionPolicy,
  topPredictions,
  type ModelInput,
} from '../../lib';
import { topIndices } from '../../lib/model/classify';
import { expectCode } from '../helpers/errors';

const IMAGES = path.join(__dirname, '..', 'fixtures/images');
const image = (name: string): string => path.join(IMAGES, name);
// A small custom scaling: B0's code paths at a fraction of the work (resolution 96 -> 3x3 head map).
const SMALL = { width: 0.5, depth: 0.5, resolution: 96 } as const;
const SEED = 11;

/** A PNG whose header claims width x height (valid chunk CRCs, no pixel data worth the name). */
function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(16)), chunk('IEND', Buffer.alloc(0))]);
}

const jpeg = readFileSync(image('rocket-adobergb.jpg'));
const corrupt = Buffer.from(jpeg);
corrupt.fill(0x55, 200, 2000); // scrambled entropy-coded data after the headers
/** Bad inputs from real bytes, with the code each must produce. */
const BAD_IMAGES: ReadonlyArray<readonly [string, string | Buffer, string]> = [
  ['a truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'ERR_IMAGE_DECODE'],
  ['a corrupt JPEG', corrupt, 'ERR_IMAGE_DECODE'],
  ['an empty buffer', Buffer.alloc(0), 'ERR_IMAGE_DECODE'],
  ['a 100000 x 100000 PNG header', pngClaiming(100000, 100000), 'ERR_IMAGE_TOO_LARGE'],
  ['an SVG (not a supported format)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'), 'ERR_IMAGE_DECODE'],
  ['text', Buffer.from('hello, not an image'), 'ERR_IMAGE_DECODE'],
  ['a missing path', path.join(IMAGES, 'no-such-photo.jpg'), 'ERR_IMAGE_NOT_FOUND'],
];

describe('labels', () => {
  it("are torchvision's 1000 ImageNet names, unique, in index order", () => {
    expect(IMAGENET_LABELS).toHaveLength(1000);
    expect(new Set(IMAGENET_LABELS).size).toBe(1000);
    expect([IMAGENET_LABELS[0], IMAGENET_LABELS[1], IMAGENET_LABELS[134], IMAGENET_LABELS[517], IMAGENET_LABELS[999]]).toEqual([
      'tench', 'goldfish', 'crane bird', 'crane', 'toilet tissue',
    ]);
    expect(Object.isFrozen(IMAGENET_LABELS)).toBe(true);
  });

  it('default to ImageNet for 1000 classes, class_<i> otherwise, and take a custom list of the right length', async () => {
    const m = await EfficientNet.load({ variant: SMALL, numClasses: 3, seed: SEED, labels: ['cat', 'dog', 'bird'] });
    expect(m.labels).toEqual(['cat', 'dog', 'bird']);
    const [top] = await m.classify({ data: new Float32Array(3 * 96 * 96), dims: [1, 3, 96, 96] }, { topK: 3 });
    expect(top.map((p) => p.label).sort()).toEqual(['bird', 'cat', 'dog']);
    m.dispose();
    const plain = await EfficientNet.load({ variant: SMALL, numClasses: 3, seed: SEED });
    expect(plain.labels).toEqual(['class_0', 'class_1', 'class_2']);
    plain.dispose();
    await expect(EfficientNet.load({ variant: SMALL, numClasses: 3, labels: ['a', 'b'] })).rejects.toThrow(
      new RangeError('Expected 3 labels (one per class of this model) for options.labels but received 2'),
    );
    await expect(EfficientNet.load({ variant: SMALL, labels: 'cats' as never })).rejects.toThrow(TypeError);
  });
});

describe('softmax and top-k', () => {
  it('is stable for huge logits and exact in float64', () => {
    const p = softmax([1000, 1000, 999, -1e30]);
    expect(p[0]).toBe(p[1]);
    expect(p[0] + p[1] + p[2] + p[3]).toBeCloseTo(1, 15);
    expect(p[3]).toBe(0);
    expect(p[2] / p[0]).toBeCloseTo(Math.exp(-1), 14);
    const tiny = softmax(Float32Array.from({ length: 1000 }, (_, i) => (i === 0 ? 30 : 0)));
    expect(tiny[1]).toBeGreaterThan(0); // exp(-30) / ~1e13 survives in float64
  });

  it.each([
    [[1, 3, 2, 3, 0], 3, [1, 3, 2]], // ties: lower index first
    [[5, 4, 3], 5, [0, 1, 2]], // k past the end
    [[0, 0, 0, 1], 1, [3]],
  ])('topIndices(%j, %i) = %j', (values, k, want) => {
    expect(topIndices(values, k)).toEqual(want);
  });

  it('names the classes', () => {
    expect(topPredictions([0, 2, 1], 2, ['a', 'b', 'c']).map((p) => [p.index, p.label])).toEqual([[1, 'b'], [2, 'c']]);
  });
});

describe('classify, embed, features', () => {
  let model: EfficientNet;
  beforeAll(async () => {
    model = await EfficientNet.load({ variant: SMALL, seed: SEED });
  });
  afterAll(() => model.dispose());

  it('classifies paths, bytes and tensors alike, with the model preprocessing', async () => {
    const files = [image('rocket-adobergb.jpg'), image('coffee-square.png')];
    const byPath = await model.classify(files, { topK: 5 });
    const byBytes = await model.classify(files.map((f) => readFileSync(f)));
    const batch = await preprocess(files, model.preprocessing);
    const byTensor = await model.classify(batch);
    const logits = await model.run(batch);
    expect(byPath).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      expect(byPath[i]).toHaveLength(5);
      expect(byBytes[i]).toEqual(byPath[i]);
      expect(byTensor[i].map((p) => p.index)).toEqual(byPath[i].map((p) => p.index));
      expect(byPath[i]).toEqual(topPredictions(logits.row(i), 5, IMAGENET_LABELS));
      const probs = byPath[i].map((p) => p.probability);
      expect([...probs].sort((a, b) => b - a)).toEqual(probs);
    }
    const single = await model.classify(files[0], { topK: 1 });
    expect(single).toHaveLength(1);
    expect(single[0][0].index).toBe(byPath[0][0].index);
  });

  it('reads NHWC tensors with inputLayout and rejects mis-shaped ones with a code', async () => {
    const nchw = await preprocess(image('coffee-square.png'), model.preprocessing);
    const nhwc = await preprocess(image('coffee-square.png'), model.preprocessing, { layout: 'nhwc' });
    expect(await model.classify(nhwc, { inputLayout: 'nhwc' })).toEqual(await model.classify(nchw));
    await expectCode(model.classify({ data: new Float32Array(3 * 8 * 8), dims: [1, 3, 8, 8] }), 'ERR_INPUT_SHAPE', /96, 96/);
    await expectCode(model.classify(new Float64Array(3 * 96 * 96) as never), 'ERR_INPUT_DTYPE');
  });

  it.each([
    ['topK 0', { topK: 0 }, RangeError, /options\.topK/],
    ['topK past the classes', { topK: 1001 }, RangeError, /between 1 and 1000/],
    ['an unknown option', { top: 3 }, TypeError, /only topK, preprocess, inputLayout/],
    ['a layout in preprocess', { preprocess: { layout: 'nchw' } }, TypeError, /no layout/],
    ['a bad resampler', { preprocess: { resize: 'lanczos' } }, TypeError, /options\.resize/],
  ] as const)('rejects %s', async (_name, options, type, message) => {
    const err = await model.classify(image('coffee-square.png'), options as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });

  it('classify() on a batch with one bad image rejects naming it (all or nothing)', async () => {
    await expectCode(
      model.classify([image('coffee-square.png'), image('nope.jpg'), image('chelsea-landscape.png')]),
      'ERR_IMAGE_NOT_FOUND',
      /Image 1 \('.*nope\.jpg'\)/,
    );
  });

  it.each(BAD_IMAGES)('classify() rejects %s with %s', async (_name, source, code) => {
    await expectCode(model.classify(source as ModelInput), code as never);
  });

  it('embed() is the pooled head: [N, head channels], and identical images embed identically', async () => {
    const e = await model.embed([image('coffee-square.png'), image('coffee-square.png'), image('coffee-alpha.png')]);
    expect(e.dims).toEqual([3, model.arch.head]);
    expect(Array.from(e.row(1))).toEqual(Array.from(e.row(0)));
    expect(Array.from(e.row(2))).not.toEqual(Array.from(e.row(0)));
    // Post-swish mean: swish >= -0.2785, so no channel mean can be below it.
    expect(Math.min(...e.data)).toBeGreaterThanOrEqual(-0.2785);
  });

  it("features() gives timm's default reductions, NCHW by default, NHWC on request", async () => {
    const nchw = await model.features(image('chelsea-landscape.png'));
    expect(nchw.map((f) => [f.stage, f.stride, f.layout])).toEqual([
      [1, 2, 'nchw'], [2, 4, 'nchw'], [3, 8, 'nchw'], [5, 16, 'nchw'], [7, 32, 'nchw'],
    ]);
    for (const f of nchw) expect(f.dims[2]).toBe(Math.ceil(96 / f.stride));
    const nhwc = await model.features(image('chelsea-landscape.png'), { stages: [7, 0], layout: 'nhwc' });
    expect(nhwc.map((f) => f.stage)).toEqual([7, 0]);
    const [n, c, h, w] = nchw[4].dims;
    expect(nhwc[0].dims).toEqual([n, h, w, c]);
    // The same numbers, transposed.
    for (const [y, x, ch] of [[0, 0, 0], [1, 2, c - 1], [h - 1, w - 1, 7]]) {
      expect(nchw[4].data[(ch * h + y) * w + x]).toBe(nhwc[0].data[(y * w + x) * c + ch]);
    }
    expect(nhwc[1].dims).toEqual([1, 48, 48, model.arch.stem]);
    await expect(model.features(image('chelsea-landscape.png'), { stages: [8] })).rejects.toThrow(RangeError);
    await expect(model.features(image('chelsea-landscape.png'), { stages: [1, 1] })).rejects.toThrow(/no repeated stage/);
  });
});

describe('preprocessing travels with the model', () => {
  it.each([
    ['torchvision b0', { variant: 'b0' }, torchvisionPolicy('b0')],
    ['torchvision b3', { variant: 'b3' }, torchvisionPolicy('b3')],
    ['torchvision b2 at 288 (its eval size)', { variant: 'b2', resolution: 288 }, torchvisionPolicy('b2')],
    ['timm tf_ weights (SAME padding)', { variant: 'b1', format: 'timm', padding: 'same' }, timmTfPolicy('b1')],
  ] as const)('%s', async (_name, options, policy) => {
    // Only the policy is under test: the smallest arch that takes these options would do, but the
    // variant decides the policy, so these compile the real thing (B0-B3 take well under a second).
    const m = await EfficientNet.load({ ...options, threads: 1 } as never);
    expect(m.preprocessing).toEqual(policy);
    m.dispose();
  });

  it('scales 256/224 for custom scalings and other resolutions, and follows an explicit policy', async () => {
    const custom = await EfficientNet.load({ variant: SMALL });
    expect(custom.preprocessing).toMatchObject({ kind: 'resize-crop', resizeSize: 110, cropSize: 96, interpolation: 'bicubic' });
    custom.dispose();
    const explicit = await EfficientNet.load({ variant: SMALL, preprocessing: timmPolicy(112, 0.9) });
    expect(explicit.resolution).toBe(112); // compiled at the policy's size
    expect((await explicit.classify(image('coffee-square.png')))[0]).toHaveLength(5);
    explicit.dispose();
    await expect(EfficientNet.load({ variant: SMALL, resolution: 96, preprocessing: timmPolicy(112, 0.9) })).rejects.toThrow(
      /Expected a policy producing 96x96/,
    );
    await expect(EfficientNet.load({ variant: SMALL, preprocessing: { kind: 'zoom' } as never })).rejects.toThrow(TypeError);
  });
});
