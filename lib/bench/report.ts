/** What a benchmark produces: the JSON report's shape, the per-side figures, and the table. */
import type { MachineFacts } from './machine';
import type { MachinePeak } from '../native';
import type { OrtSettings } from './onnxruntime';
import { median, quantile, relativeSpread } from './stats';
import { formatTable } from '../text-table';
import type { Samples } from './measure';
import type { BenchPrecision } from './processes';

/** The figures of one engine on one row. */
export interface SideResult {
  /** Timed runs. */
  samples: number;
  /** Rounds they were taken in. */
  rounds: number;
  /** Median latency of one batch, over all samples. */
  medianMs: number;
  /** 90th percentile latency of one batch. */
  p90Ms: number;
  /** batch / median. */
  imagesPerSecond: number;
  /** (max - min) of the per-round medians / the median; null with a single round. */
  noise: number | null;
  roundMediansMs: number[];
}

/** One variant at one batch size. */
export interface BenchRow {
  variant: string;
  batch: number;
  resolution: number;
  threads: number;
  kernels: string;
  ours: SideResult;
  onnxruntime: SideResult | null;
  /** Our images/s divided by onnxruntime's (above 1: ours is faster). */
  ratio: number | null;
  /** The same ratio from each pair of rounds: [lowest, highest]. */
  ratioRange: [number, number] | null;
  /** onnxruntime with intra-op spinning off (the labelled tuned row; --ort-spinning-off), or null. */
  onnxruntimeSpinningOff: { side: SideResult; ratio: number; ratioRange: [number, number] | null } | null;
  /** Both engines on the same input: max |ours - onnxruntime| over the logits, and max |logit|. */
  agreement: { maxAbsDiff: number; maxAbsLogit: number } | null;
  /**
   * Images/s x FLOPs per image / the FMA peak of the row's threads (measured at the start), per
   * engine; null when the peak was not measured.
   */
  peakFraction: { ours: number | null; onnxruntime: number | null } | null;
  /** Our processes' peak resident memory (MiB), the largest over the rounds. */
  peakRssMiB: number;
  /** The process id of each round, per engine (ours, onnxruntime, spinning off): one process per round. */
  pids: number[][];
  /** img/s / (threads x the 1-thread row's img/s), per engine; null without a 1-thread row. */
  efficiency: { ours: number; onnxruntime: number | null } | null;
}

/** The whole report (what --json writes). */
export interface BenchReport {
  command: string;
  date: string;
  machine: MachineFacts;
  efficientnet: { version: string; kernels: string; threads: number };
  onnxruntime: (OrtSettings & { version: string }) | null;
  /** How the engines were run. */
  method: string;
  /** The machine's measured FMA peak and bandwidth, or null (--peak-seconds 0). */
  peak: MachinePeak | null;
  /** precision: ours ('bf16' rows' % peak is still against the fp32 FMA peak). */
  settings: { seconds: number; warmupSeconds: number; roundSeconds: number; seed: number; inputSeed: number; precision: BenchPrecision };
  rows: BenchRow[];
}

/**
 * Summarises one engine's samples.
 * @param samples - from measureInProcesses()
 * @param batch - images per run
 * @throws never
 */
export function summarizeSide(samples: Samples, batch: number): SideResult {
  const med = median(samples.latenciesMs);
  const roundMediansMs = samples.rounds.filter((r) => r.length > 0).map((r) => median(r));
  return {
    samples: samples.latenciesMs.length,
    rounds: roundMediansMs.length,
    medianMs: med,
    p90Ms: quantile(samples.latenciesMs, 0.9),
    imagesPerSecond: (batch * 1000) / med,
    noise: relativeSpread(roundMediansMs, med),
    roundMediansMs,
  };
}

/**
 * Our speed relative to onnxruntime's, overall and per pair of rounds (round i of each engine ran
 * back to back, so their ratio is free of the drift between rounds; its spread is the honest
 * error bar of the ratio).
 * @throws never
 */
export function compareSides(ours: SideResult, theirs: SideResult): { ratio: number; ratioRange: [number, number] | null } {
  const pairs = Math.min(ours.roundMediansMs.length, theirs.roundMediansMs.length);
  const perRound = Array.from({ length: pairs }, (_, i) => theirs.roundMediansMs[i]! / ours.roundMediansMs[i]!);
  return {
    ratio: theirs.medianMs / ours.medianMs,
    ratioRange: pairs >= 2 ? [Math.min(...perRound), Math.max(...perRound)] : null,
  };
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function rate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

function percent(v: number | null): string {
  return v === null ? '-' : `${(v * 100).toFixed(0)}%`;
}

/**
 * The report as a terminal table, with the settings every figure depends on above it.
 * @throws never
 */
export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `${m.cpuModel}, ${m.cores} cores, node ${m.node}; efficientnet ${report.efficientnet.version}, ` +
      `${report.efficientnet.kernels} kernels (${report.settings.precision}), ${new Set(report.rows.map((r) => r.threads)).size > 1 ? 'threads per row' : `${report.efficientnet.threads} threads`}` +
      (report.onnxruntime ? `; onnxruntime-node ${report.onnxruntime.version}, its default session options but intraOpNumThreads = ours` : ''),
    `median of ${report.settings.seconds} s of runs per row${report.onnxruntime ? ' and engine' : ''}, ` +
      `in rounds of ${report.settings.roundSeconds} s, each round a fresh process after ${report.settings.warmupSeconds} s of warm-up` +
      `${report.onnxruntime ? ', the engines alternated' : ''}; noise = spread of the per-round medians; per pair = ours/ort of each pair of rounds`,
    ...(report.peak && report.peak.level !== ''
      ? [`FMA peak (measured, ${report.peak.level}): ${report.peak.gflopsPerCore.toFixed(0)} GFLOP/s per core, ${report.peak.gflopsAll.toFixed(0)} on ${report.peak.threads} threads; % peak = img/s x FLOPs per image / the peak of the row's threads`]
      : []),
    '',
  ];
  const compare = report.onnxruntime !== null;
  const withPeak = report.rows.some((r) => r.peakFraction?.ours != null);
  const sweep = new Set(report.rows.map((r) => r.threads)).size > 1;
  const header = ['variant', 'batch', ...(sweep ? ['threads'] : []), 'median ms', 'p90 ms', 'img/s', 'noise'];
  if (sweep) header.push('eff/thread');
  if (withPeak) header.push('% peak');
  if (compare) header.push('ort ms', 'ort p90', 'ort img/s', 'ort noise', 'ours/ort', 'per pair', 'max |dlogit|');
  if (compare && withPeak) header.push('ort % peak');
  if (compare && sweep) header.push('ort eff/thread');
  const tuned = report.rows.some((r) => r.onnxruntimeSpinningOff !== null);
  if (tuned) header.push('ort spin-off ms', 'ours/ort spin-off');
  header.push('peak RSS MiB');
  const rows = report.rows.map((r) => {
    const cells = [r.variant, String(r.batch), ...(sweep ? [String(r.threads)] : []), ms(r.ours.medianMs), ms(r.ours.p90Ms), rate(r.ours.imagesPerSecond), percent(r.ours.noise)];
    if (sweep) cells.push(percent(r.efficiency?.ours ?? null));
    if (withPeak) cells.push(percent(r.peakFraction?.ours ?? null));
    if (compare) {
      const o = r.onnxruntime!;
      cells.push(ms(o.medianMs), ms(o.p90Ms), rate(o.imagesPerSecond), percent(o.noise));
      cells.push(`${r.ratio!.toFixed(2)}x`, r.ratioRange ? `${r.ratioRange[0].toFixed(2)}-${r.ratioRange[1].toFixed(2)}` : '-');
      cells.push(r.agreement ? r.agreement.maxAbsDiff.toExponential(1) : '-');
      if (withPeak) cells.push(percent(r.peakFraction?.onnxruntime ?? null));
      if (sweep) cells.push(percent(r.efficiency?.onnxruntime ?? null));
    }
    if (tuned) {
      const t = r.onnxruntimeSpinningOff;
      cells.push(t ? ms(t.side.medianMs) : '-', t ? `${t.ratio.toFixed(2)}x` : '-');
    }
    cells.push(r.peakRssMiB.toFixed(0));
    return cells;
  });
  const right = new Set(header.map((_, i) => i).filter((i) => i > 0));
  return lines.join('\n') + '\n' + formatTable(header, rows, right);
}
