/**
 * The machine's measured limits (the addon's FMA probe and bandwidth test) and the fraction of
 * them a benchmark row reaches: images/s x FLOPs per image (2 x the multiply-adds `efficientnet
 * summary` counts) / the FMA peak of the threads it used.
 */
import { resolveArch, summarize, type VariantName } from '../arch';
import { getNative, type MachinePeak } from '../native';
import { formatTable } from '../text-table';

/**
 * Measures the peak (every core busy for about `seconds`).
 * @throws {EfficientNetError} ERR_NATIVE_LOAD when the addon cannot load
 */
export function measureMachinePeak(seconds: number): MachinePeak {
  return getNative().measurePeak(seconds);
}

/** FLOPs of one image of a variant at its resolution: 2 x multiply-adds. */
export function flopsPerImage(variant: VariantName): number {
  return 2 * summarize(resolveArch(variant)).macs;
}

/**
 * The arithmetic peak `threads` threads can reach, GFLOP/s: one core's each, up to the all-core
 * run's. 'fp32': the FMA peak; 'bf16': the bf16 pair-dot peak (the FMA peak where none was measured).
 */
export function fmaPeakOf(peak: MachinePeak, threads: number, arithmetic: 'fp32' | 'bf16' = 'fp32'): number {
  if (arithmetic === 'bf16' && peak.bf16GflopsPerCore > 0) return Math.min(peak.bf16GflopsAll, peak.bf16GflopsPerCore * threads);
  return Math.min(peak.gflopsAll, peak.gflopsPerCore * threads);
}

/**
 * The fraction of the FMA peak of `threads` threads that `imagesPerSecond` of `variant` is.
 * @returns null when the CPU has no FMA probe
 */
export function peakFraction(peak: MachinePeak, variant: VariantName, imagesPerSecond: number, threads: number): number | null {
  if (peak.level === '') return null;
  const available = fmaPeakOf(peak, threads) * 1e9;
  return (imagesPerSecond * flopsPerImage(variant)) / available;
}

/** The peak as a small table. */
export function formatPeak(p: MachinePeak): string {
  const rows: string[][] = [];
  if (p.level !== '') {
    rows.push([`FMA peak, 1 thread (${p.level}, ${p.lanes} lanes x ${p.chains} chains)`, `${p.gflopsPerCore.toFixed(1)} GFLOP/s`]);
    rows.push([`FMA peak, ${p.threads} threads`, `${p.gflopsAll.toFixed(1)} GFLOP/s`]);
    if (p.bf16GflopsPerCore > 0) {
      rows.push(['bf16 dot peak, 1 thread (vdpbf16ps, precision bf16)', `${p.bf16GflopsPerCore.toFixed(1)} GFLOP/s`]);
      rows.push([`bf16 dot peak, ${p.threads} threads`, `${p.bf16GflopsAll.toFixed(1)} GFLOP/s`]);
    }
  } else {
    rows.push(['FMA peak', 'no SIMD level with FMA on this CPU']);
  }
  rows.push([`memory read, ${p.threads} threads (${p.bufferBytes >> 20} MiB)`, `${p.readGBs.toFixed(1)} GB/s`]);
  rows.push([`memory copy, ${p.threads} threads (read + write)`, `${p.copyGBs.toFixed(1)} GB/s`]);
  return formatTable(['limit', 'measured'], rows, new Set([1]));
}
