/**
 * `efficientnet bench --profile`: a model's profile (lib/model/profile.ts) as two tables, every
 * step and then a roofline by op class, against the machine's measured limits (lib/bench/peak.ts).
 *
 * The roof of a step, a class or the whole run is the time its work takes at the hardware's
 * limits: its FLOPs at the arithmetic peak of the threads used and its bytes at the measured copy
 * bandwidth, whichever is longer (for FLOPs and bytes of one kind this is min(peak, FLOP/byte x
 * bandwidth), the classic roofline). FLOPs of the packed GEMM (`gemmFlops`: the 1x1 convolutions)
 * count at the arithmetic the model's precision gives them, the bf16 dot peak on the bf16 kernels,
 * the others at the FMA peak, so a fused expand + depthwise step or the whole run is judged by
 * what each part can do. Bytes are counted once each (activations in and out, packed weights), so
 * an op whose data stays in cache (the per-image band of the early layers keeps its maps in L2)
 * can pass the memory roof.
 */
import type { MachinePeak } from '../native';
import { precisionOfKernelLevel } from '../native';
import { OP_CLASSES, type ModelProfile, type OpClass } from '../model/profile';
import { formatTable } from '../text-table';
import { fmaPeakOf } from './peak';

/** What a step, a class or a run did: FLOPs (of which the GEMM's), bytes and its time. */
export interface WorkDone {
  flops: number;
  gemmFlops: number;
  bytes: number;
  ms: number;
}

/** One op class's totals: its steps' summed medians, FLOPs and bytes. */
export interface ClassTotals extends WorkDone {
  opClass: OpClass;
  steps: number;
}

/** Where some work stands against the roof. */
export interface RoofPosition {
  /** FLOPs per byte. */
  intensity: number;
  /** Which limit sets the roof: the longer of the compute time and the memory time. */
  bound: 'compute' | 'memory';
  /** The time at the roof / the measured time. */
  fraction: number;
}

/** The profile's steps summed per op class, in network order (classes without steps left out). */
export function classTotals(profile: ModelProfile): ClassTotals[] {
  const totals = new Map<OpClass, ClassTotals>();
  for (const s of profile.steps) {
    const t = totals.get(s.opClass) ?? { opClass: s.opClass, steps: 0, ms: 0, flops: 0, gemmFlops: 0, bytes: 0 };
    t.steps++;
    t.ms += s.ms;
    t.flops += s.flops;
    t.gemmFlops += s.gemmFlops;
    t.bytes += s.bytes;
    totals.set(s.opClass, t);
  }
  return OP_CLASSES.filter((c) => totals.has(c)).map((c) => totals.get(c)!);
}

/**
 * Where `work` stands against the roof of `threads` threads, its GEMM FLOPs at `gemm`'s peak.
 * @returns null when the CPU has no FMA probe
 */
export function roofPosition(peak: MachinePeak, threads: number, work: WorkDone, gemm: 'fp32' | 'bf16' = 'fp32'): RoofPosition | null {
  if (peak.level === '' || work.ms <= 0 || work.bytes <= 0) return null;
  const gflops = (flops: number, arithmetic: 'fp32' | 'bf16') => flops / (fmaPeakOf(peak, threads, arithmetic) * 1e6);
  const computeMs = gflops(work.gemmFlops, gemm) + gflops(work.flops - work.gemmFlops, 'fp32');
  const memoryMs = work.bytes / (peak.copyGBs * 1e6);
  return {
    intensity: work.flops / work.bytes,
    bound: memoryMs > computeMs ? 'memory' : 'compute',
    fraction: Math.max(computeMs, memoryMs) / work.ms,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const rate = (amount: number, ms: number): string => (ms > 0 ? (amount / (ms * 1e6)).toFixed(1) : '-');

/**
 * Both tables as text.
 * @param peak - the machine's limits, or null (no roof columns)
 */
export function formatProfile(title: string, profile: ModelProfile, peak: MachinePeak | null): string {
  const total = profile.steps.reduce((a, s) => a + s.ms, 0);
  const bf16 = precisionOfKernelLevel(profile.kernelLevel) === 'bf16';
  const roof = (work: WorkDone): string[] => {
    const r = peak === null ? null : roofPosition(peak, profile.threads, work, bf16 ? 'bf16' : 'fp32');
    return r === null ? ['-', '-'] : [r.bound, pct(r.fraction)];
  };
  const stepRows = profile.steps.map((s, i) => [
    String(i),
    s.ops.join(' + '),
    s.opClass,
    s.ms.toFixed(4),
    pct(s.ms / total),
    rate(s.flops, s.ms),
    rate(s.bytes, s.ms),
    ...roof(s),
  ]);
  const classRows = classTotals(profile).map((c) => [
    c.opClass,
    String(c.steps),
    c.ms.toFixed(3),
    pct(c.ms / total),
    rate(c.flops, c.ms),
    rate(c.bytes, c.ms),
    (c.flops / c.bytes).toFixed(1),
    ...roof(c),
  ]);
  const all = profile.steps.reduce(
    (a, s) => ({ flops: a.flops + s.flops, gemmFlops: a.gemmFlops + s.gemmFlops, bytes: a.bytes + s.bytes, ms: a.ms + s.ms }),
    { flops: 0, gemmFlops: 0, bytes: 0, ms: 0 },
  );
  classRows.push(['total', String(profile.steps.length), total.toFixed(3), '100.0%', rate(all.flops, total), rate(all.bytes, total), (all.flops / all.bytes).toFixed(1), ...roof(all)]);
  const head =
    `${title}: ${profile.kernelLevel}, ${profile.threads} threads, batch ${profile.batch}, median of ${profile.runs} runs per step; ` +
    `median run ${profile.runMs.toFixed(3)} ms (steps sum ${total.toFixed(3)} ms)` +
    (profile.bandSteps > 0 ? `; steps 0-${profile.bandSteps - 1} ran one image per thread, their times share out that band's wall time` : '') +
    '\n' +
    (peak === null || peak.level === ''
      ? ''
      : `roof: ${fmaPeakOf(peak, profile.threads).toFixed(1)} GFLOP/s (FMA peak of ${profile.threads} threads), ` +
        (bf16 ? `${fmaPeakOf(peak, profile.threads, 'bf16').toFixed(1)} GFLOP/s for the 1x1 convolutions' FLOPs (bf16 dot peak), ` : '') +
        `${peak.copyGBs.toFixed(1)} GB/s (copy bandwidth) x FLOP/byte\n`);
  return (
    head +
    '\n' +
    formatTable(['step', 'ops', 'class', 'ms', 'share', 'GFLOP/s', 'GB/s', 'bound', '% roof'], stepRows, new Set([0, 3, 4, 5, 6, 8])) +
    '\nby op class (the roofline):\n' +
    formatTable(['class', 'steps', 'ms', 'share', 'GFLOP/s', 'GB/s', 'FLOP/byte', 'bound', '% roof'], classRows, new Set([1, 2, 3, 4, 5, 6, 8]))
  );
}
