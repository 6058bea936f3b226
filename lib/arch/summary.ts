/**
 * Parameter and multiply-add counts from the same block data the lowering uses, so the summary
 * cannot drift from what runs. Params match torchvision's `sum(p.numel())` exactly (BN running
 * stats are buffers, not params); MACs count every conv, the SE FCs and the classifier at the
 * native resolution (test/fixtures/macs.json is the same count done with torch forward hooks).
 */

import { formatTable } from '../text-table';
import { convOut, padAxis } from './padding';
import { expectedParams, numel } from './params';
import { expandBlocks, type ArchSpec } from './spec';

/** One stage in a summary. */
export interface StageSummary {
  index: number;
  repeats: number;
  kernel: number;
  stride: number;
  expand: number;
  inChannels: number;
  outChannels: number;
}

/** A JSON-able summary of one network. */
export interface ArchSummary {
  name: string;
  variant: string;
  width: number;
  depth: number;
  resolution: number;
  dropout: number;
  numClasses: number;
  stem: number;
  head: number;
  stages: StageSummary[];
  /** Number of MBConv blocks. */
  blocks: number;
  /** Learnt parameters (elements), as torchvision counts them. */
  params: number;
  /** BN running statistics (elements), not counted in params. */
  buffers: number;
  /** Multiply-adds per image at `resolution`: convs + SE FCs + classifier. */
  macs: number;
  /** Output elements of every conv (incl. the 1x1 SE convs) per image. */
  convOutputs: number;
}

/**
 * Count params and multiply-adds.
 *
 * @param arch - the spec
 * @param resolution - input resolution (default the native one)
 * @returns the summary
 * @throws RangeError when resolution is not a positive integer
 */
export function summarize(arch: ArchSpec, resolution: number = arch.resolution): ArchSummary {
  let params = 0;
  let buffers = 0;
  for (const p of expectedParams(arch)) {
    if (p.kind === 'param') params += numel(p.shape);
    else buffers += numel(p.shape);
  }
  let macs = 0;
  let convOutputs = 0;
  // Output sizes do not depend on the padding mode for odd kernels (both give ceil(in/s)).
  const conv = (h: number, cin: number, cout: number, k: number, s: number, groups = 1): number => {
    const [b, a] = padAxis(h, k, s, 'symmetric');
    const oh = convOut(h, k, s, b, a);
    macs += oh * oh * cout * (cin / groups) * k * k;
    convOutputs += oh * oh * cout;
    return oh;
  };
  let h = conv(resolution, 3, arch.stem, 3, 2);
  let last = arch.stem;
  for (const b of expandBlocks(arch)) {
    if (b.hasExpand) conv(h, b.inChannels, b.midChannels, 1, 1);
    h = conv(h, b.midChannels, b.midChannels, b.kernel, b.stride, b.midChannels);
    conv(1, b.midChannels, b.seChannels, 1, 1);
    conv(1, b.seChannels, b.midChannels, 1, 1);
    conv(h, b.midChannels, b.outChannels, 1, 1);
    last = b.outChannels;
  }
  conv(h, last, arch.head, 1, 1);
  macs += arch.head * arch.numClasses;
  return {
    name: arch.name,
    variant: arch.variant,
    width: arch.width,
    depth: arch.depth,
    resolution,
    dropout: arch.dropout,
    numClasses: arch.numClasses,
    stem: arch.stem,
    head: arch.head,
    stages: arch.stages.map((s, index) => ({
      index,
      repeats: s.repeats,
      kernel: s.kernel,
      stride: s.stride,
      expand: s.expand,
      inChannels: s.inChannels,
      outChannels: s.outChannels,
    })),
    blocks: arch.stages.reduce((n, s) => n + s.repeats, 0),
    params,
    buffers,
    macs,
    convOutputs,
  };
}

function group(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A readable, aligned text table of summaries (one row per network).
 *
 * @param summaries - from {@link summarize}
 * @returns the table, ending with a newline
 * @throws never
 */
export function formatSummary(summaries: readonly ArchSummary[]): string {
  const header = ['variant', 'width', 'depth', 'res', 'stem', 'head', 'stage channels', 'repeats', 'params', 'MACs'];
  const rows = summaries.map((s) => [
    s.variant === 'custom' ? s.name.replace(/^efficientnet_/, '') : s.variant,
    s.width.toFixed(2).replace(/0$/, ''),
    s.depth.toFixed(2).replace(/0$/, ''),
    String(s.resolution),
    String(s.stem),
    String(s.head),
    s.stages.map((st) => st.outChannels).join(','),
    s.stages.map((st) => st.repeats).join(','),
    group(s.params),
    `${(s.macs / 1e9).toFixed(3)} G`,
  ]);
  return formatTable(header, rows, new Set([1, 2, 3, 4, 5, 8, 9]));
}

/**
 * The JSON form of summaries (what `efficientnet summary --json` prints).
 *
 * @param summaries - from {@link summarize}
 * @returns pretty-printed JSON of an array of {@link ArchSummary}, ending with a newline
 * @throws never
 */
export function formatSummaryJson(summaries: readonly ArchSummary[]): string {
  return JSON.stringify(summaries, null, 2) + '\n';
}
