/**
 * The checks of {@link EfficientNet.load}'s plain options, with their defaults: everything that
 * needs no file, no network and no native code, so a mistake fails before any of those.
 */
import { checkNumber, invalidParameterError, is } from '../errors';
import { checkChoice, type ChoiceOf } from './options-schema';
import type { LoadOptions } from './options';

const LOAD_KEYS = new Set([
  'variant', 'weights', 'format', 'padding', 'bnEps', 'threads', 'numClasses', 'resolution', 'seed', 'kernels',
  'device', 'precision',
  'labels', 'preprocessing', 'batching', 'queue',
]);

/** The plain load options, checked, with their defaults. */
export interface CheckedLoadOptions {
  format: ChoiceOf<'format'>;
  kernels: ChoiceOf<'kernels'>;
  device: ChoiceOf<'device'>;
  precision: ChoiceOf<'precision'>;
  /** 0: one per core. */
  threads: number;
  seed: number;
}

/**
 * Checks the options object, its keys and the plain options (the weights' type, not their content).
 * @throws {TypeError | RangeError} naming the option, "Expected X for options.Y but received Z"
 */
export function checkLoadOptions(options: LoadOptions): CheckedLoadOptions {
  if (!is.plainObject(options)) throw invalidParameterError('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!LOAD_KEYS.has(key)) throw invalidParameterError('options', `only ${[...LOAD_KEYS].join(', ')}`, key, 'type');
  }
  // Every choice has a default but padding (the weights decide it, in load()).
  const format = checkChoice('format', options.format)!;
  checkChoice('padding', options.padding);
  const kernels = checkChoice('kernels', options.kernels)!;
  const device = checkChoice('device', options.device)!;
  const precision = checkChoice('precision', options.precision)!;
  const threads = options.threads === undefined ? 0 : checkNumber('options.threads', options.threads, 1, 1024, true);
  const seed = options.seed === undefined ? 0 : checkNumber('options.seed', options.seed, 0, 2 ** 32 - 1, true);
  if (options.bnEps !== undefined) checkNumber('options.bnEps', options.bnEps, 0, 1);
  if (options.weights !== undefined && typeof options.weights !== 'string' && !(options.weights instanceof Uint8Array)) {
    throw invalidParameterError('options.weights', "a file path, a Uint8Array/Buffer, 'imagenet' or a weights id", options.weights);
  }
  return { format, kernels, device, precision, threads, seed };
}
