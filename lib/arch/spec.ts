/**
 * ArchSpec (one network's shape, stage by stage) and its expansion to one BlockSpec per block.
 * Built from the variant table or from a custom scaling; everything downstream (parameter names,
 * summaries, lowering, key maps) reads these two structures and nothing else.
 */

import { checkNumber, invalidParameterError, is } from '../errors';
import { BASE_BLOCK_STRINGS, decodeBlockString, type StageDef } from './block-string';
import { phiScaling, roundFilters, roundRepeats } from './scaling';
import { isVariantName, VARIANT_NAMES, VARIANTS, type VariantName } from './variants';

/** Base stem and head widths of B0 (scaled with roundFilters like every other width). */
export const BASE_STEM = 32;
/** Base head width of B0. */
export const BASE_HEAD = 1280;
/** Default number of classes (ImageNet-1k). */
export const DEFAULT_NUM_CLASSES = 1000;

/** One stage after scaling. */
export interface StageSpec {
  repeats: number;
  kernel: number;
  /** Stride of the stage's FIRST block; the others have stride 1. */
  stride: number;
  expand: number;
  /** Input channels of the stage's first block; the others take outChannels. */
  inChannels: number;
  outChannels: number;
  /** SE ratio relative to the block input channels. */
  se: number;
}

/** A whole network's shape. */
export interface ArchSpec {
  /** "efficientnet_b0" ... or "efficientnet_custom(w=..,d=..,r=..)". */
  name: string;
  /** The table variant, or 'custom'. */
  variant: VariantName | 'custom';
  width: number;
  depth: number;
  /** Native input resolution (square). */
  resolution: number;
  dropout: number;
  numClasses: number;
  /** Stem conv output channels. */
  stem: number;
  /** Head 1x1 conv output channels (the embedding width). */
  head: number;
  stages: StageSpec[];
}

/** One MBConv block. */
export interface BlockSpec {
  /** "blocks.{s}.{j}", the canonical prefix. */
  name: string;
  /** Stage index 0..6. */
  stage: number;
  /** Index of the block inside its stage. */
  index: number;
  kernel: number;
  stride: number;
  expand: number;
  inChannels: number;
  /** inChannels * expand (= inChannels when there is no expand conv). */
  midChannels: number;
  outChannels: number;
  /** max(1, floor(inChannels * se)): from the block INPUT channels. */
  seChannels: number;
  hasExpand: boolean;
  /** stride 1 and in == out: the block input is added to the projection. */
  residual: boolean;
}

/** A custom scaling: explicit coefficients, or the paper's phi rule. */
export type CustomScaling =
  | { width: number; depth: number; resolution: number; dropout?: number; numClasses?: number }
  | { phi: number; dropout?: number; numClasses?: number };

/** Options common to every way of building an ArchSpec. */
export interface ArchOptions {
  /** Classifier width; default 1000. */
  numClasses?: number;
}

function checkNumClasses(v: unknown): number {
  if (v === undefined) return DEFAULT_NUM_CLASSES;
  return checkNumber('numClasses', v, 1, 1_000_000, true);
}

function build(
  name: string,
  variant: VariantName | 'custom',
  width: number,
  depth: number,
  resolution: number,
  dropout: number,
  numClasses: number,
): ArchSpec {
  const defs: StageDef[] = BASE_BLOCK_STRINGS.map(decodeBlockString);
  const stem = roundFilters(BASE_STEM, width);
  let prev = stem;
  const stages: StageSpec[] = defs.map((d) => {
    const out = roundFilters(d.channels, width);
    const st: StageSpec = {
      repeats: roundRepeats(d.repeats, depth),
      kernel: d.kernel,
      stride: d.stride,
      expand: d.expand,
      inChannels: prev,
      outChannels: out,
      se: d.seRatio,
    };
    prev = out;
    return st;
  });
  const head = roundFilters(BASE_HEAD, width);
  return { name, variant, width, depth, resolution, dropout, numClasses, stem, head, stages };
}

/**
 * The ArchSpec of a table variant (B0..B7, B8, L2).
 *
 * @param variant - 'b0' ... 'b7', 'b8', 'l2'
 * @param options - numClasses (default 1000)
 * @returns the spec
 * @throws TypeError/RangeError when the variant is unknown or numClasses is not an integer >= 1
 */
export function archForVariant(variant: VariantName, options: ArchOptions = {}): ArchSpec {
  if (!isVariantName(variant)) throw invalidParameterError('variant', `one of ${VARIANT_NAMES.join(', ')}`, variant);
  if (!is.plainObject(options)) throw invalidParameterError('options', 'an object', options);
  const numClasses = checkNumClasses(options.numClasses);
  const s = VARIANTS[variant];
  return build(`efficientnet_${variant}`, variant, s.width, s.depth, s.resolution, s.dropout, numClasses);
}

/**
 * The ArchSpec of a custom scaling: `{ width, depth, resolution }` or `{ phi }` (see
 * {@link phiScaling}: depth 1.2^phi, width 1.1^phi, resolution 224*1.15^phi rounded to a multiple
 * of 8). Offered next to the table, never as a replacement for it: phi 1 is not B1.
 *
 * @param scaling - the coefficients; width and depth in (0, 10], resolution an integer in [16, 4096],
 *   phi in [0, 10], dropout in [0, 1) (default 0.2), numClasses an integer >= 1 (default 1000)
 * @returns the spec, variant 'custom'
 * @throws TypeError/RangeError naming the offending field
 */
export function customArch(scaling: CustomScaling): ArchSpec {
  if (!is.plainObject(scaling)) throw invalidParameterError('scaling', 'an object with width/depth/resolution or phi', scaling);
  const sc = scaling as Record<string, unknown>;
  const hasPhi = sc.phi !== undefined;
  const hasExplicit = sc.width !== undefined || sc.depth !== undefined || sc.resolution !== undefined;
  if (hasPhi && hasExplicit) {
    throw invalidParameterError('scaling', 'either { phi } or { width, depth, resolution }, not both', 'both', 'type');
  }
  let width: number;
  let depth: number;
  let resolution: number;
  if (hasPhi) {
    ({ width, depth, resolution } = phiScaling(checkNumber('scaling.phi', sc.phi, 0, 10)));
  } else {
    width = checkNumber('scaling.width', sc.width, Number.MIN_VALUE, 10);
    depth = checkNumber('scaling.depth', sc.depth, Number.MIN_VALUE, 10);
    resolution = checkNumber('scaling.resolution', sc.resolution, 16, 4096, true);
  }
  const dropout = sc.dropout === undefined ? 0.2 : checkNumber('scaling.dropout', sc.dropout, 0, 0.999);
  const numClasses = checkNumClasses(sc.numClasses);
  const fmt = (x: number): string => String(Number(x.toFixed(4)));
  const name = `efficientnet_custom(w=${fmt(width)},d=${fmt(depth)},r=${resolution})`;
  return build(name, 'custom', width, depth, resolution, dropout, numClasses);
}

/**
 * One entry point for both: a variant name or a custom scaling.
 *
 * @param spec - 'b0'..'l2' or a {@link CustomScaling}
 * @param options - numClasses for a variant name (a custom scaling carries its own)
 * @returns the spec
 * @throws TypeError/RangeError as {@link archForVariant} / {@link customArch}
 */
export function resolveArch(spec: VariantName | CustomScaling, options: ArchOptions = {}): ArchSpec {
  if (typeof spec === 'string') return archForVariant(spec, options);
  if (is.plainObject(spec) && options.numClasses !== undefined && (spec as { numClasses?: number }).numClasses === undefined) {
    return customArch({ ...spec, numClasses: options.numClasses });
  }
  return customArch(spec);
}

/**
 * Expand the stages into one BlockSpec per block, in execution order.
 * Only the first block of a stage has the stage's stride and input channels; the rest are
 * stride 1 with in = out (so they are residual).
 *
 * @param arch - the spec
 * @returns the blocks
 * @throws never
 */
export function expandBlocks(arch: ArchSpec): BlockSpec[] {
  const blocks: BlockSpec[] = [];
  arch.stages.forEach((st, s) => {
    for (let j = 0; j < st.repeats; j++) {
      const inChannels = j === 0 ? st.inChannels : st.outChannels;
      const stride = j === 0 ? st.stride : 1;
      const midChannels = inChannels * st.expand;
      blocks.push({
        name: `blocks.${s}.${j}`,
        stage: s,
        index: j,
        kernel: st.kernel,
        stride,
        expand: st.expand,
        inChannels,
        midChannels,
        outChannels: st.outChannels,
        // TRAP: the SE reduction width comes from the block INPUT channels (torchvision
        // `max(1, input_channels // 4)`, TF `int(input_filters * se_ratio)`), NOT from the
        // expanded midChannels the SE actually operates on. Using mid gives 6x too many params.
        seChannels: Math.max(1, Math.floor(inChannels * st.se)),
        hasExpand: st.expand !== 1,
        residual: stride === 1 && inChannels === st.outChannels,
      });
    }
  });
  return blocks;
}
