/**
 * `efficientnet bench --profile`: a model's profile (lib/model/profile.ts) as two tables, every
 * step and then a roofline by op class, against the machine's measured limits (lib/bench/peak.ts).
 *
 * The roof of a class is min(FMA peak of the threads used, its FLOPs per byte x the measured copy
 * bandwidth): what the hardware allows an op with that much arithmetic per byte moved. On the bf16
 * kernels the 1x1 classes (GEMM_CLASSES) compute with bf16 pair dots, so their compute roof is the
 * bf16 dot peak instead; the total row stays against the FMA peak (the whole network's use of it). Bytes are
 * counted once each (activations in and out, packed weights), so an op whose data stays in cache
 * (the per-image band of the early layers keeps its maps in L2) can pass the memory roof.
 */
import type { MachinePeak } from '../native';
import { precisionOfKernelLevel } from '../native';
import { GEMM_CLASSES, OP_CLASSES, type ModelProfile, type OpClass } from '../model/profile';
import { formatTable } from '../text-table';
import { fmaPeakOf } from './peak';

/** One op class's totals: its steps' summed medians, FLOPs and bytes. */
export interface ClassTotals {
  opClass: OpClass;
  steps: number;
  ms: number;
  flops: number;
  bytes: number;
}

/** Where a class stands against the roof. */
export interface RoofPosition {
  /** FLOPs per byte. */
  intensity: number;
  /** Which limit the roof is at that intensity. */
  bound: 'compute' | 'memory';
  /** Achieved GFLOP/s / the roof. */
  fraction: number;
}

/** The profile's steps summed per op class, in network order (classes without steps left out). */
export function classTotals(profile: ModelProfile): ClassTotals[] {
  const totals = new Map<OpClass, ClassTotals>();
  for (const s of profile.steps) {
    const t = totals.get(s.opClass) ?? { opClass: s.opClass, steps: 0, ms: 0, flops: 0, bytes: 0 };
    t.steps++;
    t.ms += s.ms;
    t.flops += s.flops;
    t.bytes += s.bytes;
    totals.set(s.opClass, t);
  }
  return OP_CLASSES.filter((c) => totals.has(c)).map((c) => totals.get(c)!);
}

/**
 * Where `flops` done in `ms` with `bytes` moved stands against the roof of `threads` threads.
 * @returns null when the CPU has no FMA probe
 */
export function roofPosition(
  peak: MachinePeak,
  threads: number,
  flops: number,
  bytes: number,
  ms: number,
  arithmetic: 'fp32' | 'bf16' = 'fp32',
): RoofPosition | null {
  if (peak.level === '' || ms <= 0 || bytes <= 0) return null;
  const compute = fmaPeakOf(peak, threads, arithmetic);
  const intensity = flops / bytes;
  const memory = intensity * peak.copyGBs;
  const achieved = flops / (ms * 1e6);
  return { intensity, bound: memory < compute ? 'memory' : 'compute', fraction: achieved / Math.min(compute, memory) };
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
  const roof = (flops: number, bytes: number, ms: number, opClass: OpClass | null): string[] => {
    const arithmetic = bf16 && opClass !== null && GEMM_CLASSES.has(opClass) ? 'bf16' : 'fp32';
    const r = peak === null ? null : roofPosition(peak, profile.threads, flops, bytes, ms, arithmetic);
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
    ...roof(s.flops, s.bytes, s.ms, s.opClass),
  ]);
  const classRows = classTotals(profile).map((c) => [
    c.opClass,
    String(c.steps),
    c.ms.toFixed(3),
    pct(c.ms / total),
    rate(c.flops, c.ms),
    rate(c.bytes, c.ms),
    (c.flops / c.bytes).toFixed(1),
    ...roof(c.flops, c.bytes, c.ms, c.opClass),
  ]);
  const all = profile.steps.reduce((a, s) => ({ flops: a.flops + s.flops, bytes: a.bytes + s.bytes }), { flops: 0, bytes: 0 });
  classRows.push(['total', String(profile.steps.length), total.toFixed(3), '100.0%', rate(all.flops, total), rate(all.bytes, total), (all.flops / all.bytes).toFixed(1), ...roof(all.flops, all.bytes, total, null)]);
  const head =
    `${title}: ${profile.kernelLevel}, ${profile.threads} threads, batch ${profile.batch}, median of ${profile.runs} runs per step; ` +
    `median run ${profile.runMs.toFixed(3)} ms (steps sum ${total.toFixed(3)} ms)` +
    (profile.bandSteps > 0 ? `; steps 0-${profile.bandSteps - 1} ran one image per thread, their times share out that band's wall time` : '') +
    '\n' +
    (peak === null || peak.level === ''
      ? ''
      : `roof: ${fmaPeakOf(peak, profile.threads).toFixed(1)} GFLOP/s (FMA peak of ${profile.threads} threads), ` +
        (bf16 ? `${fmaPeakOf(peak, profile.threads, 'bf16').toFixed(1)} GFLOP/s for the 1x1 classes (bf16 dot peak), ` : '') +
        `${peak.copyGBs.toFixed(1)} GB/s (copy bandwidth) x FLOP/byte\n`);
  return (
    head +
    '\n' +
    formatTable(['step', 'ops', 'class', 'ms', 'share', 'GFLOP/s', 'GB/s', 'bound', '% roof'], stepRows, new Set([0, 3, 4, 5, 6, 8])) +
    '\nby op class (the roofline):\n' +
    formatTable(['class', 'steps', 'ms', 'share', 'GFLOP/s', 'GB/s', 'FLOP/byte', 'bound', '% roof'], classRows, new Set([1, 2, 3, 4, 5, 6, 8]))
  );
}
