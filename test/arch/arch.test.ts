import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  archForVariant,
  BASE_BLOCK_STRINGS,
  convPadding,
  customArch,
  decodeBlockString,
  encodeBlockString,
  expandBlocks,
  expectedParams,
  formatSummary,
  formatSummaryJson,
  padAxis,
  phiScaling,
  resolveArch,
  roundFilters,
  roundRepeats,
  summarize,
  TORCHVISION_VARIANTS,
  type VariantName,
} from '../../lib/arch';

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'macs.json'), 'utf8')) as Record<
  string,
  { params: number; macs: number; resolution: number }
>;

describe('roundFilters', () => {
  it.each([
    [32, 1.0, 32],
    [32, 1.1, 32],
    [32, 1.2, 40],
    [32, 1.4, 48],
    [32, 2.0, 64],
    [16, 1.1, 16],
    [40, 1.1, 48],
    [80, 1.1, 88],
    [112, 1.2, 136],
    [192, 1.8, 344],
    [1280, 1.1, 1408],
    [1280, 4.3, 5504],
    [4, 1.0, 8], // never below the divisor
    [27, 1.0, 32], // 90% rule: 24 < 0.9 * 27 = 24.3, so one more divisor
    [26, 1.0, 24], // 24 >= 23.4: no bump
  ])('roundFilters(%d, %d) = %d', (c, w, want) => {
    expect(roundFilters(c, w)).toBe(want);
  });
  it('rejects bad arguments', () => {
    expect(() => roundFilters(32, 0)).toThrow(RangeError);
    expect(() => roundFilters(32, NaN)).toThrow(/Expected a finite number .* for width but received number NaN/);
    expect(() => roundFilters(1.5, 1)).toThrow(RangeError);
  });
});

describe('roundRepeats', () => {
  it.each([
    [1, 1.0, 1],
    [1, 1.1, 2],
    [2, 1.1, 3],
    [3, 2.2, 7],
    [4, 2.6, 11],
    [4, 3.1, 13],
    [1, 3.1, 4],
    [3, 1.4, 5],
  ])('roundRepeats(%d, %d) = %d', (n, d, want) => {
    expect(roundRepeats(n, d)).toBe(want);
  });
});

describe('variant table (the paper, as torchvision builds it)', () => {
  const table: Array<[VariantName, number, number, string, string]> = [
    ['b0', 32, 1280, '1,2,2,3,3,4,1', '16,24,40,80,112,192,320'],
    ['b1', 32, 1280, '2,3,3,4,4,5,2', '16,24,40,80,112,192,320'],
    ['b2', 32, 1408, '2,3,3,4,4,5,2', '16,24,48,88,120,208,352'],
    ['b3', 40, 1536, '2,3,3,5,5,6,2', '24,32,48,96,136,232,384'],
    ['b4', 48, 1792, '2,4,4,6,6,8,2', '24,32,56,112,160,272,448'],
    ['b5', 48, 2048, '3,5,5,7,7,9,3', '24,40,64,128,176,304,512'],
    ['b6', 56, 2304, '3,6,6,8,8,11,3', '32,40,72,144,200,344,576'],
    ['b7', 64, 2560, '4,7,7,10,10,13,4', '32,48,80,160,224,384,640'],
  ];
  it.each(table)('%s: stem %d head %d repeats %s channels %s', (v, stem, head, repeats, channels) => {
    const a = archForVariant(v);
    expect(a.stem).toBe(stem);
    expect(a.head).toBe(head);
    expect(a.stages.map((s) => s.repeats).join(',')).toBe(repeats);
    expect(a.stages.map((s) => s.outChannels).join(',')).toBe(channels);
  });
});

describe('block strings', () => {
  it('decodes the B0 stages and round-trips them', () => {
    const defs = BASE_BLOCK_STRINGS.map(decodeBlockString);
    expect(defs.map((d) => d.repeats)).toEqual([1, 2, 2, 3, 3, 4, 1]);
    expect(defs.map((d) => d.kernel)).toEqual([3, 3, 5, 3, 5, 5, 3]);
    expect(defs.map((d) => d.stride)).toEqual([1, 2, 2, 2, 1, 2, 1]);
    expect(defs.map((d) => d.expand)).toEqual([1, 6, 6, 6, 6, 6, 6]);
    expect(defs.map(encodeBlockString)).toEqual(BASE_BLOCK_STRINGS);
  });
  it('accepts TF two-digit strides', () => {
    expect(decodeBlockString('ir_r2_k3_s22_e6_c24_se0.25').stride).toBe(2);
  });
  it.each([
    ['', /block type/],
    ['xx_r1_k3_s1_e1_c16_se0.25', /block type 'ds' or 'ir'.*'xx'/],
    ['ir_r2_k3_s2_e6_c24_se0.25_noskip', /token .*'noskip'/],
    ['ir_r2_k3_s2_e6_c24_se0.25_q5', /'q5'/],
    ['ir_r2_r3_k3_s2_e6_c24_se0.25', /single 'r' token/],
    ['ir_rx_k3_s2_e6_c24_se0.25', /number after 'r'.*'rx'/],
    ['ir_r2_k3_s2_e6_c24', /'se' token/],
    ['ir_r2_k3_s2_c24_se0.25', /'e' token/],
    ['ir_r2_k4_s2_e6_c24_se0.25', /odd kernel.*k4/],
    ['ir_r2_k3_s3_e6_c24_se0.25', /stride.*s3/],
    ['ir_r2_k3_s21_e6_c24_se0.25', /stride.*s21/],
    ['ir_r0_k3_s2_e6_c24_se0.25', /repeat count.*r0/],
    ['ds_r1_k3_s1_e6_c16_se0.25', /expand e1.*'ds'/],
    ['ir_r2_k3_s2_e1_c24_se0.25', /use 'ds' for e1/],
    ['ir_r2_k3_s2_e6_c24_se1.5', /SE ratio.*se1.5/],
    ['ir_r2_k3_s2_e6_c24_se0.25_', /token/],
  ])('rejects %j', (s, msg) => {
    expect(() => decodeBlockString(s)).toThrow(RangeError);
    expect(() => decodeBlockString(s)).toThrow(msg);
  });
});

describe('blocks', () => {
  it('B0: only the first block of a stage has its stride and input channels; SE from the input', () => {
    const blocks = expandBlocks(archForVariant('b0'));
    expect(blocks).toHaveLength(16);
    const b10 = blocks.find((b) => b.name === 'blocks.1.0')!;
    expect(b10).toMatchObject({ stride: 2, inChannels: 16, midChannels: 96, outChannels: 24, seChannels: 4, hasExpand: true, residual: false });
    const b11 = blocks.find((b) => b.name === 'blocks.1.1')!;
    expect(b11).toMatchObject({ stride: 1, inChannels: 24, midChannels: 144, outChannels: 24, seChannels: 6, residual: true });
    expect(blocks[0]).toMatchObject({ inChannels: 32, midChannels: 32, seChannels: 8, hasExpand: false, residual: false });
    expect(blocks.filter((b) => b.residual)).toHaveLength(9);
  });
});

describe('params and MACs vs torchvision (test/fixtures/macs.json from tools/count-macs.py)', () => {
  const exact: Record<string, number> = {
    b0: 5_288_548, b1: 7_794_184, b2: 9_109_994, b3: 12_233_232,
    b4: 19_341_616, b5: 30_389_784, b6: 43_040_704, b7: 66_347_960,
  };
  it.each(TORCHVISION_VARIANTS.map((v) => [v]))('%s', (v) => {
    const s = summarize(archForVariant(v));
    expect(s.params).toBe(exact[v]);
    expect(fixture[v]).toBeDefined();
    expect(s.params).toBe(fixture[v]!.params);
    expect(s.macs).toBe(fixture[v]!.macs);
    expect(s.resolution).toBe(fixture[v]!.resolution);
  });
  it('B0 conv outputs and MACs match the reference orders of magnitude', () => {
    const s = summarize(archForVariant('b0'));
    expect(s.macs / 1e9).toBeCloseTo(0.386, 3);
    expect(s.convOutputs / 1e6).toBeCloseTo(6.74, 1);
    expect(summarize(archForVariant('b7')).macs / 1e9).toBeCloseTo(37.75, 1);
  });
  it('formats a table and JSON', () => {
    const sums = TORCHVISION_VARIANTS.map((v) => summarize(archForVariant(v)));
    const text = formatSummary(sums);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[2]).toMatch(/^b0 .* 5,288,548 +0\.386 G$/);
    expect(lines[9]).toMatch(/^b7 .*66,347,960 +37\.746 G$/);
    expect(new Set(lines.slice(2).map((l) => l.indexOf(' G')))).toHaveProperty('size', 1); // aligned
    const json = JSON.parse(formatSummaryJson(sums)) as Array<{ params: number }>;
    expect(json.map((j) => j.params)).toEqual(sums.map((s) => s.params));
  });
});

describe('custom scaling', () => {
  it('phi 0 has B0 shape', () => {
    const a = customArch({ phi: 0 });
    const b0 = archForVariant('b0');
    expect(a.variant).toBe('custom');
    expect({ ...a, name: '', variant: '', dropout: 0 }).toEqual({ ...b0, name: '', variant: '', dropout: 0 });
  });
  it('phi 1: width 1.1, depth 1.2, resolution 224*1.15 rounded to a multiple of 8', () => {
    expect(phiScaling(1)).toEqual({ width: 1.1, depth: 1.2, resolution: 256 });
    const a = customArch({ phi: 1 });
    expect(a.stages.map((s) => s.repeats)).toEqual([2, 3, 3, 4, 4, 5, 2]);
    expect(a.stem).toBe(32);
    expect(a.resolution).toBe(256);
    expect(phiScaling(2).resolution).toBe(296);
  });
  it('explicit width/depth equal to B3 give B3 shapes and params', () => {
    const a = customArch({ width: 1.2, depth: 1.4, resolution: 300, numClasses: 1000 });
    expect(summarize(a).params).toBe(12_233_232);
    expect(a.name).toBe('efficientnet_custom(w=1.2,d=1.4,r=300)');
  });
  it('numClasses changes only the classifier', () => {
    const a = resolveArch('b0', { numClasses: 10 });
    expect(summarize(a).params).toBe(5_288_548 - (1000 - 10) * (1280 + 1));
    expect(expectedParams(a).at(-2)).toEqual({ name: 'classifier.weight', shape: [10, 1280], kind: 'param' });
  });
  it.each([
    [{ width: 0, depth: 1, resolution: 224 }, RangeError, /scaling.width/],
    [{ width: NaN, depth: 1, resolution: 224 }, RangeError, /scaling.width but received number NaN/],
    [{ width: '1', depth: 1, resolution: 224 }, TypeError, /scaling.width but received string '1'/],
    [{ width: 1, depth: -1, resolution: 224 }, RangeError, /scaling.depth/],
    [{ width: 1, depth: 1, resolution: 224.5 }, RangeError, /an integer .* for scaling.resolution/],
    [{ width: 1, depth: 1 }, TypeError, /scaling.resolution but received undefined/],
    [{ phi: 11 }, RangeError, /scaling.phi/],
    [{ phi: 1, width: 1 }, TypeError, /either \{ phi \}/],
    [{ phi: 1, numClasses: 0 }, RangeError, /numClasses/],
    [null, TypeError, /for scaling but received null/],
  ])('rejects %j', (s, cls, msg) => {
    expect(() => customArch(s as never)).toThrow(cls);
    expect(() => customArch(s as never)).toThrow(msg);
  });
  it('rejects unknown variants', () => {
    expect(() => archForVariant('b9' as VariantName)).toThrow(/Expected one of b0, .* for variant but received string 'b9'/);
  });
});

describe('padding', () => {
  it.each([
    [224, 3, 2, 'same', [0, 1]],
    [224, 5, 2, 'same', [1, 2]],
    [112, 3, 1, 'same', [1, 1]],
    [7, 5, 1, 'same', [2, 2]],
    [225, 3, 2, 'same', [1, 1]],
    [15, 5, 2, 'same', [2, 2]],
    [14, 5, 2, 'same', [1, 2]],
    [1, 3, 2, 'same', [1, 1]],
    [224, 3, 2, 'symmetric', [1, 1]],
    [224, 5, 2, 'symmetric', [2, 2]],
  ] as const)('in %d k%d s%d %s -> %j', (n, k, s, mode, want) => {
    expect(padAxis(n, k, s, mode)).toEqual(want);
  });
  it('4-sided', () => {
    expect(convPadding(224, 225, 3, 2, 'same')).toEqual([0, 1, 1, 1]);
  });
});
