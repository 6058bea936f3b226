// model.profile(): every step of a real run, named and classed, with the network's FLOPs; and the
// roofline arithmetic of bench --profile on made-up numbers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EfficientNet, OP_CLASSES, resolveArch, summarize, type ModelProfile } from '../../lib';
import { classTotals, formatProfile, roofPosition } from '../../lib/bench/profile-report';
import type { MachinePeak } from '../../lib/native';

describe('model.profile', () => {
  let model: EfficientNet;
  beforeAll(async () => {
    model = await EfficientNet.load({ variant: 'b0', threads: 2 });
  });
  afterAll(() => model.dispose());

  it.each([1, 3])('batch %i: the steps cover every plan op once, in order, with the FLOPs of the network', async (batch) => {
    const p = await model.profile({ batch, runs: 2 });
    expect(p).toMatchObject({ batch, runs: 2, threads: 2, kernelLevel: model.kernelLevel });
    const ops = p.steps.flatMap((s) => s.ops);
    expect(ops[0]).toBe('stem');
    expect(ops.at(-1)).toBe('classifier');
    expect(new Set(ops).size).toBe(ops.length);
    // B0: 16 blocks, 15 of them with an expand conv; dw, se, project each; stem, head, classifier.
    expect(ops).toHaveLength(3 + 15 + 16 * 3);
    expect(p.steps.reduce((a, s) => a + s.flops, 0)).toBe(2 * summarize(resolveArch('b0')).macs * batch);
    for (const s of p.steps) {
      expect(s.ms).toBeGreaterThanOrEqual(0);
      expect(s.bytes).toBeGreaterThan(0);
      expect(s.opClass).toBe(s.ops.length === 2 ? 'expand 1x1 + depthwise' : s.opClass);
      // The packed GEMM's share: all of a 1x1 step, none of stem, depthwise and SE, and the
      // expand's part of a fused step (its depthwise does k x k multiply-adds per output, the
      // expand Cin, so both parts are there).
      if (['expand 1x1', 'project 1x1', 'head', 'classifier'].includes(s.opClass)) expect(s.gemmFlops).toBe(s.flops);
      else if (s.opClass === 'expand 1x1 + depthwise') expect(s.gemmFlops / s.flops).toBeGreaterThan(0.1);
      else expect(s.gemmFlops).toBe(0);
      expect(s.gemmFlops).toBeLessThan(s.flops + 1);
    }
    const fused = p.steps.find((s) => s.opClass === 'expand 1x1 + depthwise')!;
    expect(fused.gemmFlops).toBeLessThan(fused.flops);
    expect(new Set(p.steps.map((s) => s.opClass))).toEqual(new Set(OP_CLASSES));
    // Batch 1 has no per-image band; at batch 3 the early steps run one image per thread.
    expect(p.bandSteps > 0).toBe(batch > 1);
  });

  it('rejects bad options and a disposed model', async () => {
    await expect(model.profile({ batch: 0 })).rejects.toThrow(RangeError);
    await expect(model.profile({ runs: 1.5 })).rejects.toThrow(RangeError);
    await expect(model.profile({ steps: 1 } as never)).rejects.toThrow(TypeError);
    const other = await EfficientNet.load({ variant: { width: 0.5, depth: 0.5, resolution: 64 } });
    other.dispose();
    await expect(other.profile()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

describe('the roofline of bench --profile', () => {
  const peak: MachinePeak = { level: 'avx512', lanes: 16, chains: 12, gflopsOneThread: [100], gflopsPerCore: 100, threads: 4, gflopsAll: 350, bf16GflopsPerCore: 180, bf16GflopsAll: 600, readGBs: 40, copyGBs: 20, bufferBytes: 1 << 28 };

  it('the roof is min(FMA peak of the threads, FLOP/byte x bandwidth): the longer of compute and memory time', () => {
    const work = (flops: number, bytes: number, ms: number, gemmFlops = 0) => ({ flops, gemmFlops, bytes, ms });
    // 2 threads: 200 GFLOP/s; 20 FLOP/byte x 20 GB/s = 400 GFLOP/s: compute bound; 1e9 FLOPs in 10 ms = 100 GFLOP/s.
    expect(roofPosition(peak, 2, work(1e9, 5e7, 10))).toEqual({ intensity: 20, bound: 'compute', fraction: 0.5 });
    // 4 threads: min(350, 400) = 350.
    expect(roofPosition(peak, 4, work(1e9, 5e7, 10))!.fraction).toBeCloseTo(100 / 350, 12);
    // 2 FLOP/byte x 20 GB/s = 40 GFLOP/s: memory bound; 1e8 FLOPs in 5 ms = 20 GFLOP/s.
    expect(roofPosition(peak, 2, work(1e8, 5e7, 5))).toEqual({ intensity: 2, bound: 'memory', fraction: 0.5 });
    expect(roofPosition({ ...peak, level: '' }, 2, work(1e9, 5e7, 10))).toBeNull();
    // GEMM FLOPs count at the fp32 FMA peak unless the precision gives them the bf16 dot peak.
    expect(roofPosition(peak, 2, work(1e9, 5e7, 10, 1e9))!.fraction).toBe(0.5);
    // All GEMM at the bf16 dot peak: 2 threads x 180 = 360 GFLOP/s, so 100 GFLOP/s is 100/360 of it.
    expect(roofPosition(peak, 2, work(1e9, 5e7, 10, 1e9), 'bf16')!.fraction).toBeCloseTo(100 / 360, 12);
    // Mixed (a fused expand + depthwise, a whole run): 6e8 at 360 and 4e8 at 200 GFLOP/s = 3.667 ms of 10.
    expect(roofPosition(peak, 2, work(1e9, 5e7, 10, 6e8), 'bf16')!.fraction).toBeCloseTo((6e8 / 360e6 + 4e8 / 200e6) / 10, 12);
    // No bf16 peak measured (a CPU without it): the FMA peak.
    expect(roofPosition({ ...peak, bf16GflopsPerCore: 0, bf16GflopsAll: 0 }, 2, work(1e9, 5e7, 10, 1e9), 'bf16')!.fraction).toBe(0.5);
  });

  it('sums steps per op class in network order and prints both tables', () => {
    const profile: ModelProfile = {
      batch: 1, runs: 3, threads: 2, kernelLevel: 'avx512', runMs: 4, bandSteps: 0,
      steps: [
        { ops: ['stem'], opClass: 'stem', ms: 1, flops: 1e8, bytes: 1e7, gemmFlops: 0 },
        { ops: ['b.project'], opClass: 'project 1x1', ms: 1, flops: 2e8, bytes: 1e7, gemmFlops: 2e8 },
        { ops: ['b.dw'], opClass: 'depthwise', ms: 1, flops: 1e7, bytes: 1e7, gemmFlops: 0 },
        { ops: ['c.project'], opClass: 'project 1x1', ms: 1, flops: 2e8, bytes: 1e7, gemmFlops: 2e8 },
      ],
    };
    expect(classTotals(profile)).toEqual([
      { opClass: 'stem', steps: 1, ms: 1, flops: 1e8, gemmFlops: 0, bytes: 1e7 },
      { opClass: 'depthwise', steps: 1, ms: 1, flops: 1e7, gemmFlops: 0, bytes: 1e7 },
      { opClass: 'project 1x1', steps: 2, ms: 2, flops: 4e8, gemmFlops: 4e8, bytes: 2e7 },
    ]);
    const text = formatProfile('b0', profile, peak);
    expect(text).toMatch(/roof: 200\.0 GFLOP\/s \(FMA peak of 2 threads\), 20\.0 GB\/s/);
    // project: 4e8 FLOPs in 2 ms = 200 GFLOP/s at 20 FLOP/byte, where the roof is 200: 100%.
    expect(text).toMatch(/project 1x1 +2 +2\.000 +50\.0% +200\.0 +10\.0 +20\.0 +compute +100\.0%/);
    expect(text).toMatch(/^total +4 +4\.000 +100\.0%/m);
    expect(formatProfile('b0', profile, null)).not.toMatch(/roof:/);
    // The total: 5.1e8 FLOPs at 200 GFLOP/s = 2.55 ms against 4e7 bytes at 20 GB/s = 2 ms: compute
    // bound, 2.55 of 4 ms.
    expect(text).toMatch(/^total +4 +4\.000 +100\.0% +127\.5 +10\.0 +12\.8 +compute +63\.7%/m);
    // On the bf16 kernels the GEMM FLOPs count at the bf16 dot peak (360 for 2 threads), the others
    // at the FMA peak: project's 4e8 take 1.11 ms; the total's compute time falls to 1.11 + 0.55 ms,
    // under its 2 ms of memory time, so the run is memory bound at 2 of 4 ms.
    const bf16 = formatProfile('b0', { ...profile, kernelLevel: 'avx512-bf16' }, peak);
    expect(bf16).toMatch(/roof: 200\.0 GFLOP\/s \(FMA peak of 2 threads\), 360\.0 GFLOP\/s for the 1x1 convolutions' FLOPs \(bf16 dot peak\)/);
    expect(bf16).toMatch(/project 1x1 +2 +2\.000 +50\.0% +200\.0 +10\.0 +20\.0 +compute +55\.6%/);
    expect(bf16).toMatch(/stem +1 +1\.000 +25\.0% +100\.0 +10\.0 +10\.0 +compute +50\.0%/);
    expect(bf16).toMatch(/^total +4 +4\.000 +100\.0% +127\.5 +10\.0 +12\.8 +memory +50\.0%/m);
  });
});
