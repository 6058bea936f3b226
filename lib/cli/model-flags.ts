/**
 * The model flags every command that loads a model shares (run, classify, cam), the image flag of
 * the image commands, and turning them into a loaded model.
 */
import { EfficientNet, type LoadOptions } from '../model/efficientnet';
import { isWeightSourceId } from '../weights';
import { numberOption, UsageError } from './io';
import { parseVariant } from './variant';
import { DEFAULT_MAX_PIXELS } from '../image/decode';
import { announcePretrained } from './weights';

/** parseArgs option specs for the model flags. */
export const MODEL_FLAGS = {
  variant: { type: 'string' },
  weights: { type: 'string' },
  random: { type: 'boolean', default: false },
  format: { type: 'string', default: 'auto' },
  padding: { type: 'string' },
  'bn-eps': { type: 'string' },
  threads: { type: 'string' },
  device: { type: 'string', default: 'cpu' },
  precision: { type: 'string', default: 'fp32' },
} as const;

/** parseArgs option spec of the image commands' resampler flag. */
export const IMAGE_FLAGS = {
  resize: { type: 'string', default: 'sharp' },
  'max-pixels': { type: 'string' },
} as const;

/** The help lines for {@link MODEL_FLAGS}. */
export const MODEL_FLAGS_HELP = `  --variant V        b0 … b7 (default: the variant the weights are, else b0)
  --weights FILE|ID  a .safetensors or .pth file, or a weights id (efficientnet weights list);
                     default: the variant's pretrained ImageNet weights (fetched on first use)
  --random           the seeded random init instead of weights (for testing: answers are meaningless)
  --format F         auto (default), torchvision, timm or lukemelas
  --padding P        symmetric (PyTorch-trained) or same (TF-trained); default by weight source
  --bn-eps E         batch-norm epsilon (default by weight source)
  --threads N        worker threads (default: one per core)
  --device D         cpu (default), cuda or auto (the GPU when one is usable)
  --precision P      fp32 (default) or fp16 (cuda only)`;

/** The help line for {@link IMAGE_FLAGS}. */
export const IMAGE_FLAGS_HELP = `  --resize R         sharp (default, fast) or pil (bit-exact torchvision resampling)
  --max-pixels N     refuse images with more pixels (decompression-bomb guard; default ${DEFAULT_MAX_PIXELS})`;

/** Parsed values of {@link MODEL_FLAGS}. */
export interface ModelFlagValues {
  variant?: string;
  weights?: string;
  random: boolean;
  format: string;
  padding?: string;
  'bn-eps'?: string;
  threads?: string;
  device: string;
  precision: string;
}

/**
 * The image flags' values, checked, as the API's preprocess options.
 * @throws {UsageError} for a --resize other than sharp or pil, or a --max-pixels that is not a
 *   positive integer
 */
export function imageOptions(values: { resize: string; 'max-pixels'?: string }): { resize: 'sharp' | 'pil'; maxPixels?: number } {
  const resize = values.resize;
  if (resize !== 'sharp' && resize !== 'pil') throw new UsageError(`--resize must be sharp or pil, got "${resize}"`);
  if (values['max-pixels'] === undefined) return { resize };
  return { resize, maxPixels: countOption(values['max-pixels'], 'max-pixels', 0) };
}

/**
 * Checks the flags and loads the model.
 * @throws {UsageError} for missing or contradictory flags
 * @throws {EfficientNetError} from EfficientNet.load
 */
export async function loadModel(values: ModelFlagValues, extra: Pick<LoadOptions, 'resolution'> = {}): Promise<EfficientNet> {
  if (values.weights !== undefined && values.random) throw new UsageError('give --weights or --random, not both');
  if (!['auto', 'torchvision', 'timm', 'lukemelas'].includes(values.format)) {
    throw new UsageError(`--format must be auto, torchvision, timm or lukemelas, got "${values.format}"`);
  }
  const variant = values.variant === undefined ? undefined : parseVariant(values.variant);
  // No --weights and no --random: the variant's pretrained weights.
  let weights = values.weights ?? (values.random ? undefined : 'imagenet');
  if (weights !== undefined && isWeightSourceId(weights)) weights = announcePretrained(weights, values.variant);
  if (values.padding !== undefined && !['symmetric', 'same'].includes(values.padding)) {
    throw new UsageError(`--padding must be symmetric or same, got "${values.padding}"`);
  }
  if (!['cpu', 'cuda', 'auto'].includes(values.device)) {
    throw new UsageError(`--device must be cpu, cuda or auto, got "${values.device}"`);
  }
  if (!['fp32', 'fp16'].includes(values.precision)) {
    throw new UsageError(`--precision must be fp32 or fp16, got "${values.precision}"`);
  }
  const model = await EfficientNet.load({
    variant,
    weights,
    format: values.format as NonNullable<LoadOptions['format']>,
    padding: values.padding as 'symmetric' | 'same' | undefined,
    bnEps: numberOption(values['bn-eps'], 'bn-eps'),
    threads: numberOption(values.threads, 'threads'),
    device: values.device as 'cpu' | 'cuda' | 'auto',
    precision: values.precision as 'fp32' | 'fp16',
    ...extra,
  });
  if (variant === undefined && values.weights !== undefined && !isWeightSourceId(values.weights)) {
    process.stderr.write(`efficientnet: note: ${values.weights} holds ${model.arch.name}; using variant ${model.arch.variant} (--variant to choose)\n`);
  }
  return model;
}

/**
 * A positive integer flag, or the fallback.
 * @throws {UsageError} for anything else
 */
export function countOption(value: string | undefined, name: string, fallback: number): number {
  const n = numberOption(value, name) ?? fallback;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} expects a positive integer, got "${value}"`);
  return n;
}
