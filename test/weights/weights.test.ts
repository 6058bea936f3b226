import { describe, expect, it } from 'vitest';
import { archForVariant, expectedParams, type ArchSpec } from '../../lib/arch';
import { EfficientNetError, type ErrorCode } from '../../lib/errors';
import {
  defaultBnEps,
  detectFormat,
  foldBatchNorm,
  foldConvBn,
  keyMap,
  numClassesOf,
  parseSafetensors,
  resolveParams,
  seededStateDict,
  writeSafetensors,
  type TensorData,
} from '../../lib/weights';

function catchError(fn: () => unknown): EfficientNetError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EfficientNetError) return e;
    throw e;
  }
  throw new Error('expected an EfficientNetError');
}

function expectCode(fn: () => unknown, code: ErrorCode, ...messages: RegExp[]): void {
  const e = catchError(fn);
  expect(e.code).toBe(code);
  expect(e.name).toBe('EfficientNetError');
  for (const m of messages) expect(e.message).toMatch(m);
}

const b0 = archForVariant('b0');

/** Bitwise equality of two typed arrays (vitest's deep equality is far too slow for 66M floats). */
function sameBits(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean {
  if (!a || !b) return false;
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** Rename a torchvision dict to timm names through the two key maps. */
function toTimm(arch: ArchSpec, tv: Map<string, TensorData>): Map<string, TensorData> {
  const tvMap = keyMap(arch, 'torchvision');
  const timmMap = keyMap(arch, 'timm');
  const out = new Map<string, TensorData>();
  for (const [canon, src] of tvMap) out.set(timmMap.get(canon)!, tv.get(src)!);
  return out;
}

describe('key maps', () => {
  it.each([
    ['stem.conv.weight', 'features.0.0.weight', 'conv_stem.weight'],
    ['stem.bn.running_var', 'features.0.1.running_var', 'bn1.running_var'],
    // stage 0, no expansion: torchvision K = 0 dw, 1 SE, 2 project; timm conv_pw = PROJECT
    ['blocks.0.0.dw.conv.weight', 'features.1.0.block.0.0.weight', 'blocks.0.0.conv_dw.weight'],
    ['blocks.0.0.dw.bn.bias', 'features.1.0.block.0.1.bias', 'blocks.0.0.bn1.bias'],
    ['blocks.0.0.se.reduce.weight', 'features.1.0.block.1.fc1.weight', 'blocks.0.0.se.conv_reduce.weight'],
    ['blocks.0.0.se.expand.bias', 'features.1.0.block.1.fc2.bias', 'blocks.0.0.se.conv_expand.bias'],
    ['blocks.0.0.project.conv.weight', 'features.1.0.block.2.0.weight', 'blocks.0.0.conv_pw.weight'],
    ['blocks.0.0.project.bn.weight', 'features.1.0.block.2.1.weight', 'blocks.0.0.bn2.weight'],
    // other stages: K = 0 expand, 1 dw, 2 SE, 3 project; timm conv_pw = EXPAND
    ['blocks.1.0.expand.conv.weight', 'features.2.0.block.0.0.weight', 'blocks.1.0.conv_pw.weight'],
    ['blocks.1.0.expand.bn.running_mean', 'features.2.0.block.0.1.running_mean', 'blocks.1.0.bn1.running_mean'],
    ['blocks.5.3.dw.conv.weight', 'features.6.3.block.1.0.weight', 'blocks.5.3.conv_dw.weight'],
    ['blocks.5.3.dw.bn.weight', 'features.6.3.block.1.1.weight', 'blocks.5.3.bn2.weight'],
    ['blocks.1.1.se.reduce.bias', 'features.2.1.block.2.fc1.bias', 'blocks.1.1.se.conv_reduce.bias'],
    ['blocks.6.0.project.conv.weight', 'features.7.0.block.3.0.weight', 'blocks.6.0.conv_pwl.weight'],
    ['blocks.6.0.project.bn.bias', 'features.7.0.block.3.1.bias', 'blocks.6.0.bn3.bias'],
    ['head.conv.weight', 'features.8.0.weight', 'conv_head.weight'],
    ['head.bn.weight', 'features.8.1.weight', 'bn2.weight'],
    ['classifier.weight', 'classifier.1.weight', 'classifier.weight'],
  ])('%s -> %s / %s', (canon, tv, timm) => {
    expect(keyMap(b0, 'torchvision').get(canon)).toBe(tv);
    expect(keyMap(b0, 'timm').get(canon)).toBe(timm);
  });
  it('maps are one-to-one for every variant', () => {
    for (const v of ['b0', 'b3', 'b7'] as const) {
      const a = archForVariant(v);
      for (const f of ['torchvision', 'timm'] as const) {
        const m = keyMap(a, f);
        expect(m.size).toBe(expectedParams(a).length);
        expect(new Set(m.values()).size).toBe(m.size);
      }
    }
  });
  it('detects the naming', () => {
    expect(detectFormat(seededStateDict(b0, 1).keys())).toBe('torchvision');
    expect(detectFormat(seededStateDict(b0, 1, 'timm').keys())).toBe('timm');
    expectCode(() => detectFormat(['foo.weight']), 'ERR_WEIGHTS_FORMAT', /cannot tell the weight naming/, /foo.weight/);
    expectCode(() => detectFormat(['module.features.0.0.weight']), 'ERR_WEIGHTS_FORMAT', /prefix \('module.'\)/);
  });
});

describe('seeded state dict', () => {
  it('is deterministic, seed-dependent and shaped like a torch state dict', () => {
    const a = seededStateDict(b0, 42);
    const b = seededStateDict(b0, 42);
    const c = seededStateDict(b0, 43);
    const k = 'features.3.1.block.1.0.weight';
    expect(sameBits(a.get(k)!.data, b.get(k)!.data)).toBe(true);
    expect(sameBits(a.get(k)!.data, c.get(k)!.data)).toBe(false);
    const nbt = a.get('features.0.1.num_batches_tracked')!;
    expect(nbt).toMatchObject({ dtype: 'I64', shape: [] });
    expect(nbt.data).toBeInstanceOf(BigInt64Array);
    // 312 params/buffers + 49 BN counters
    expect(a.size).toBe(expectedParams(b0).length + expectedParams(b0).filter((p) => p.name.endsWith('running_var')).length);
  });
  it('timm naming holds the same values as torchvision renamed', () => {
    const tv = seededStateDict(b0, 5);
    const timm = seededStateDict(b0, 5, 'timm');
    for (const [name, t] of toTimm(b0, tv)) expect(sameBits(timm.get(name)?.data, t.data), name).toBe(true);
  });
  it('init statistics are in the documented ranges', () => {
    const sd = seededStateDict(b0, 9);
    const stats = (k: string): { min: number; max: number; std: number } => {
      const d = sd.get(k)!.data as Float32Array;
      let s = 0;
      let s2 = 0;
      for (const x of d) {
        s += x;
        s2 += x * x;
      }
      const m = s / d.length;
      return { min: Math.min(...d), max: Math.max(...d), std: Math.sqrt(s2 / d.length - m * m) };
    };
    const g = stats('features.2.0.block.1.1.weight');
    expect(g.min).toBeGreaterThanOrEqual(0.5);
    expect(g.max).toBeLessThan(1.5);
    const v = stats('features.2.0.block.1.1.running_var');
    expect(v.min).toBeGreaterThanOrEqual(0.5);
    expect(v.max).toBeLessThan(2);
    const stem = stats('features.0.0.weight'); // He: std sqrt(1/27) (gain 1 for the image input)
    expect(stem.std).toBeGreaterThan(0.8 * Math.sqrt(1 / 27));
    expect(stem.std).toBeLessThan(1.2 * Math.sqrt(1 / 27));
    expect(stats('classifier.1.bias').max).not.toBe(0);
  });
  // How long B7 takes is measured by bench/load-timing.mjs, not asserted here.
  it('makes B7 (66M parameters)', () => {
    const sd = seededStateDict(archForVariant('b7'), 1);
    expect(sd.get('classifier.1.weight')!.shape).toEqual([1000, 2560]);
  });
});

describe('resolveParams', () => {
  const tv = seededStateDict(b0, 11);
  it('resolves torchvision and timm names to identical canonical params (through a file)', () => {
    const fromTv = resolveParams(b0, parseSafetensors(writeSafetensors(tv)), 'auto');
    const fromTimm = resolveParams(b0, parseSafetensors(writeSafetensors(toTimm(b0, tv))), 'auto');
    expect(fromTv.size).toBe(expectedParams(b0).length);
    expect([...fromTimm.keys()]).toEqual([...fromTv.keys()]);
    for (const [k, v] of fromTv) expect(sameBits(fromTimm.get(k), v), k).toBe(true);
    expect(sameBits(fromTv.get('blocks.0.0.project.conv.weight'), tv.get('features.1.0.block.2.0.weight')!.data)).toBe(true);
  });
  it('ignores num_batches_tracked (present or not)', () => {
    const without = new Map([...tv].filter(([k]) => !k.endsWith('num_batches_tracked')));
    expect(without.size).toBeLessThan(tv.size);
    expect(resolveParams(b0, without, 'torchvision').size).toBe(resolveParams(b0, tv, 'torchvision').size);
  });
  it('missing keys: names the source key, its shape and how many more', () => {
    const m = new Map(tv);
    m.delete('features.3.1.block.1.0.weight');
    expectCode(() => resolveParams(b0, m, 'torchvision'), 'ERR_WEIGHTS_MISSING', /missing features\.3\.1\.block\.1\.0\.weight \[240, 1, 5, 5\], needed by efficientnet_b0/);
    m.delete('classifier.1.bias');
    m.delete('features.8.1.running_var');
    expectCode(() => resolveParams(b0, m, 'torchvision'), 'ERR_WEIGHTS_MISSING', /features\.3\.1\.block\.1\.0\.weight.* and 2 more/);
  });
  it('unexpected keys: names the key', () => {
    const m = new Map(tv);
    m.set('features.9.weight', { dtype: 'F32', shape: [4], data: new Float32Array(4) });
    m.set('extra', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    expectCode(() => resolveParams(b0, m, 'torchvision'), 'ERR_WEIGHTS_UNEXPECTED', /tensor features\.9\.weight \[4\] and 1 more \(extra\)/);
  });
  it.each([
    ['classifier.1.weight', [10, 1280], /classifier\.1\.weight has shape \[10, 1280\] but efficientnet_b0 expects \[1000, 1280\]/],
    ['features.2.0.block.1.0.weight', [96, 1, 5, 5], /features\.2\.0\.block\.1\.0\.weight has shape \[96, 1, 5, 5\] but .* expects \[96, 1, 3, 3\]/],
    ['features.1.0.block.1.fc1.bias', [2], /fc1\.bias has shape \[2\] but .* expects \[8\]/],
  ])('mis-shaped %s: names the key, both shapes', (key, shape, message) => {
    const m = new Map(tv);
    const n = shape.reduce((a, b) => a * b, 1);
    m.set(key, { dtype: 'F32', shape, data: new Float32Array(n) });
    expectCode(() => resolveParams(b0, m, 'torchvision'), 'ERR_WEIGHTS_SHAPE', message);
  });
  it('an integer tensor where a float one is needed', () => {
    const m = new Map(tv);
    m.set('classifier.1.bias', { dtype: 'I64', shape: [1000], data: new BigInt64Array(1000) });
    expectCode(() => resolveParams(b0, m, 'torchvision'), 'ERR_WEIGHTS_FORMAT', /classifier\.1\.bias has dtype I64/);
  });
  it.each([
    ['b3', 'b0', 'torchvision', /weights look like efficientnet_b3 but variant b0 was requested/],
    ['b1', 'b0', 'torchvision', /look like efficientnet_b1 .*16 blocks/], // same stem, more blocks
    ['b0', 'b1', 'timm', /look like efficientnet_b0 but variant b1/],
    ['b7', 'b6', 'timm', /look like efficientnet_b7/],
  ] as const)('%s weights loaded as %s (%s) -> ERR_WEIGHTS_VARIANT', (file, want, fmt, message) => {
    const sd = seededStateDict(archForVariant(file), 2, fmt);
    expectCode(() => resolveParams(archForVariant(want), sd, 'auto'), 'ERR_WEIGHTS_VARIANT', message);
  });
  it('a variant guess keeps the file\'s class count', () => {
    const sd = seededStateDict(archForVariant('b2', { numClasses: 10 }), 2);
    expect(numClassesOf(sd, 'torchvision')).toBe(10);
    expectCode(() => resolveParams(b0, sd), 'ERR_WEIGHTS_VARIANT', /look like efficientnet_b2/);
  });
  it('no known variant -> says so', () => {
    const m = new Map(tv);
    m.set('features.0.0.weight', { dtype: 'F32', shape: [24, 3, 3, 3], data: new Float32Array(24 * 27) });
    expectCode(() => resolveParams(b0, m), 'ERR_WEIGHTS_VARIANT', /file has stem 24, 16 blocks .* expected stem 32, 16 blocks.*matches no known variant/);
  });
});

describe('BN folding', () => {
  it('matches a float64 hand computation', () => {
    const w = Float32Array.from([0.5, -1.25, 2, 0.1, 3, -0.7]); // [2 out, 3 in]
    const gamma = Float32Array.from([1.3, 0.6]);
    const beta = Float32Array.from([0.2, -0.05]);
    const mean = Float32Array.from([0.11, -0.4]);
    const variance = Float32Array.from([0.9, 1.7]);
    const eps = 1e-3;
    const f = foldConvBn(w, gamma, beta, mean, variance, eps);
    for (let o = 0; o < 2; o++) {
      const scale = gamma[o]! / Math.sqrt(variance[o]! + eps);
      expect(f.bias[o]).toBe(Math.fround(beta[o]! - mean[o]! * scale));
      for (let i = 0; i < 3; i++) expect(f.weight[o * 3 + i]).toBe(Math.fround(w[o * 3 + i]! * scale));
    }
  });
  it('folds every BN layer of a network and passes SE and classifier through', () => {
    const params = resolveParams(b0, seededStateDict(b0, 4));
    const folded = foldBatchNorm(b0, params, { eps: 1e-5 });
    expect(folded.size).toBe(1 + 15 + 16 * 4 + 1 + 1);
    const dw = folded.get('blocks.4.2.dw')!;
    expect(dw.shape).toEqual([672, 1, 5, 5]);
    const c = 7;
    const scale = params.get('blocks.4.2.dw.bn.weight')![c]! / Math.sqrt(params.get('blocks.4.2.dw.bn.running_var')![c]! + 1e-5);
    expect(dw.weight[c * 25 + 3]).toBe(Math.fround(params.get('blocks.4.2.dw.conv.weight')![c * 25 + 3]! * scale));
    expect(dw.bias[c]).toBe(Math.fround(params.get('blocks.4.2.dw.bn.bias')![c]! - params.get('blocks.4.2.dw.bn.running_mean')![c]! * scale));
    expect(folded.get('classifier')!.weight).toBe(params.get('classifier.weight'));
    expect(folded.get('blocks.0.0.se.reduce')!.shape).toEqual([8, 32, 1, 1]);
    // a different eps changes the result
    expect(foldBatchNorm(b0, params, { eps: 1e-3 }).get('stem')!.bias).not.toEqual(folded.get('stem')!.bias);
  });
  it('reports missing or mis-sized params', () => {
    const params = resolveParams(b0, seededStateDict(b0, 4));
    params.delete('head.bn.running_mean');
    expectCode(() => foldBatchNorm(b0, params), 'ERR_WEIGHTS_MISSING', /head\.bn\.running_mean/);
    params.set('head.bn.running_mean', new Float32Array(3));
    expectCode(() => foldBatchNorm(b0, params), 'ERR_WEIGHTS_SHAPE', /head\.bn\.running_mean has 3 elements/);
    expect(() => foldBatchNorm(b0, params, { eps: -1 })).toThrow(RangeError);
  });
  it.each([
    ['NaN in a conv weight', 'blocks.3.1.expand.conv.weight', 17, Number.NaN, /blocks\.3\.1\.expand\.conv\.weight holds NaN at index 17/],
    ['+Infinity in a BN bias', 'head.bn.bias', 0, Number.POSITIVE_INFINITY, /head\.bn\.bias holds Infinity at index 0/],
    ['-Infinity in the classifier', 'classifier.weight', 999, Number.NEGATIVE_INFINITY, /classifier\.weight holds -Infinity at index 999/],
    ['NaN in an SE bias', 'blocks.6.0.se.expand.bias', 5, Number.NaN, /se\.expand\.bias holds NaN/],
    ['a negative running_var', 'blocks.1.0.dw.bn.running_var', 3, -0.5, /negative variance -0\.5 at index 3/],
  ])('refuses %s with ERR_WEIGHTS_VALUE naming it', (_what, name, index, value, message) => {
    const params = resolveParams(b0, seededStateDict(b0, 4));
    params.get(name)![index] = value;
    expectCode(() => foldBatchNorm(b0, params), 'ERR_WEIGHTS_VALUE', message);
  });
  it.each([
    ['b0', 'torchvision', 1e-5],
    ['b4', 'torchvision', 1e-5],
    ['b5', 'torchvision', 1e-3],
    ['b7', 'torchvision', 1e-3],
    ['b7', 'timm', 1e-5],
    ['custom', 'torchvision', 1e-5],
  ] as const)('defaultBnEps(%s, %s) = %d', (v, f, eps) => {
    expect(defaultBnEps(v, f)).toBe(eps);
  });
});
