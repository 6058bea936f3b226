/**
 * The model flags every command that loads a model shares (run, classify, cam), the image flag of
 * the image commands, and turning them into a loaded model.
 */
import { EfficientNet, type LoadOptions } from '../model/efficientnet';
import { isWeightSourceId } from '../weights';
import { numberOption, UsageError } from './io';
import { parseVariant } from './variant';
import { DEFAULT_MAX_PIXELS } from '../image/decode';
import { CHOICE_OPTIONS, choicesHelp, plainChoices, type ChoiceName, type ChoiceOf } from '../model/options-schema';
import { announcePretrained } from './weights';

/** parseArgs option specs for the model flags. */
export const MODEL_FLAGS = {
  variant: { type: 'string' },
  weights: { type: 'string' },
  random: { type: 'boolean', default: false },
  format: { type: 'string', default: CHOICE_OPTIONS.format.default },
  padding: { type: 'string' },
  'bn-eps': { type: 'string' },
  threads: { type: 'string' },
  device: { type: 'string', default: CHOICE_OPTIONS.device.default },
  precision: { type: 'string', default: CHOICE_OPTIONS.precision.default },
} as const;

/** parseArgs option spec of the image commands' resampler flag. */
export const IMAGE_FLAGS = {
  resize: { type: 'string', default: CHOICE_OPTIONS.resize.default },
  'max-pixels': { type: 'string' },
} as const;

/** The help lines for {@link MODEL_FLAGS}. */
export const MODEL_FLAGS_HELP = `  --variant V        b0 … b7 (default: the variant the weights are, else b0)
  --weights FILE|ID  a .safetensors or .pth file, or a weights id (efficientnet weights list);
                     default: the variant's pretrained ImageNet weights (fetched on first use)
  --random           the seeded random init instead of weights (for testing: answers are meaningless)
  --format F         ${choicesHelp('format')}
  --padding P        ${choicesHelp('padding')}
  --bn-eps E         batch-norm epsilon (default by weight source)
  --threads N        worker threads (default: one per core)
  --device D         ${choicesHelp('device')}
  --precision P      ${choicesHelp('precision')}`;

// Commands that take the model as `--model VARIANT[:WEIGHTS]` (serve, worker) have no --variant
// or --weights, and say --random themselves.
const { variant: _variant, weights: _weights, ...modelSpecFlags } = MODEL_FLAGS;

/** {@link MODEL_FLAGS} without --variant and --weights, for the commands that take --model. */
export const MODEL_SPEC_FLAGS = modelSpecFlags;

/** {@link MODEL_FLAGS_HELP} without --variant, --weights (and its continuation lines) and --random. */
export const MODEL_SPEC_FLAGS_HELP = MODEL_FLAGS_HELP.split('\n')
  .filter((l) => !/^\s+--(variant|weights|random)\b|^\s{19}/.test(l))
  .join('\n');

/**
 * A `--model VARIANT[:WEIGHTS]` value. Weights ids hold colons themselves
 * (timm:tf_efficientnet_b3): only the first one splits.
 * @throws {UsageError} for an unknown variant or nothing after the colon
 */
export function parseModelArg(value: string): { variant: string; weights?: string } {
  const colon = value.indexOf(':');
  const variant = parseVariant(colon >= 0 ? value.slice(0, colon) : value);
  const weights = colon >= 0 ? value.slice(colon + 1) : undefined;
  if (weights === '') throw new UsageError(`--model ${value}: nothing after ':' (give VARIANT:WEIGHTS, or VARIANT alone)`);
  return weights === undefined ? { variant } : { variant, weights };
}

/** The help line for {@link IMAGE_FLAGS}. */
export const IMAGE_FLAGS_HELP = `  --resize R         ${choicesHelp('resize')}
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
export function imageOptions(values: { resize: string; 'max-pixels'?: string }): { resize: ChoiceOf<'resize'>; maxPixels?: number } {
  const resize = flagChoice('resize', values.resize)!;
  if (values['max-pixels'] === undefined) return { resize };
  return { resize, maxPixels: countOption(values['max-pixels'], 'max-pixels', 0) };
}

/**
 * Checks the flags and loads the model.
 * @throws {UsageError} for missing or contradictory flags
 * @throws {EfficientNetError} from EfficientNet.load
 */
export async function loadModel(values: ModelFlagValues, extra: Pick<LoadOptions, 'resolution' | 'batching' | 'queue'> = {}): Promise<EfficientNet> {
  if (values.weights !== undefined && values.random) throw new UsageError('give --weights or --random, not both');
  const format = flagChoice('format', values.format)!;
  const variant = values.variant === undefined ? undefined : parseVariant(values.variant);
  // No --weights and no --random: the variant's pretrained weights.
  let weights = values.weights ?? (values.random ? undefined : 'imagenet');
  if (weights !== undefined && isWeightSourceId(weights)) weights = announcePretrained(weights, values.variant);
  const padding = flagChoice('padding', values.padding);
  const device = flagChoice('device', values.device);
  const precision = flagChoice('precision', values.precision);
  const model = await EfficientNet.load({
    variant,
    weights,
    format,
    padding,
    bnEps: numberOption(values['bn-eps'], 'bn-eps'),
    threads: numberOption(values.threads, 'threads'),
    device,
    precision,
    ...extra,
  });
  if (variant === undefined && values.weights !== undefined && !isWeightSourceId(values.weights)) {
    process.stderr.write(`efficientnet: note: ${values.weights} holds ${model.arch.name}; using variant ${model.arch.variant} (--variant to choose)\n`);
  }
  return model;
}

/**
 * A choice flag's value (undefined stays undefined: the flag's default or the API's decides).
 * @throws {UsageError} for a value the option does not have
 */
function flagChoice<N extends ChoiceName>(name: N, value: string | undefined): ChoiceOf<N> | undefined {
  if (value === undefined) return undefined;
  if (!(CHOICE_OPTIONS[name].values as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be ${plainChoices(name)}, got "${value}"`);
  }
  return value as ChoiceOf<N>;
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
