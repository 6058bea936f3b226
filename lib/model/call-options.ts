/**
 * Checks of the options the model's methods share (the load options are lib/model/load-options.ts,
 * cam()'s own ones lib/model/cam-options.ts).
 */
import { checkNumber, invalidParameterError, is } from '../errors';
import type { PreprocessOptions } from '../image';
import { LAYOUTS, type Layout, type TensorLike } from './input';

/** `options` as an object with only `keys` (undefined: empty). */
export function checkOptions<T>(options: T, name: string, keys: readonly string[]): T & object {
  if (options === undefined) return {} as T & object;
  if (!is.plainObject(options)) throw invalidParameterError(name, 'an object', options);
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw invalidParameterError(name, `only ${keys.join(', ')}`, key, 'type');
  }
  return options;
}

/** The `preprocess` option: preprocessing options without layout and out. */
export function checkPreprocessOptions(value: unknown): PreprocessOptions {
  if (value === undefined) return {};
  if (!is.plainObject(value)) throw invalidParameterError('options.preprocess', 'an object', value);
  for (const key of ['layout', 'out']) {
    // The model decides both (it reads NHWC into its own buffer); silently ignoring them would lie.
    if (key in value) throw invalidParameterError('options.preprocess', `no ${key} (the model sets it)`, key, 'type');
  }
  return value as PreprocessOptions;
}

/** A tensor layout option; 'nchw' when undefined. */
export function checkLayout(value: unknown, name: string): Layout {
  if (value === undefined) return 'nchw';
  if (!is.inArray(value, LAYOUTS)) throw invalidParameterError(name, LAYOUTS.map((l) => `'${l}'`).join(' or '), value);
  return value;
}

/** `options.topK`: an integer from 1 to the number of classes; `fallback` when undefined. */
export function checkTopK(value: unknown, fallback: number, numClasses: number): number {
  return value === undefined ? fallback : checkNumber('options.topK', value, 1, numClasses, true);
}

/** True for an already-preprocessed tensor (a Buffer or Uint8Array is image bytes). */
export function isTensorInput(input: unknown): input is Float32Array | TensorLike {
  if (ArrayBuffer.isView(input)) return !(input instanceof Uint8Array);
  return is.plainObject(input) && 'data' in input && 'dims' in input;
}

/** classifyMany()'s arguments once checked. */
export interface CheckedStream {
  topK: number;
  /** Images decoded and in flight at once. */
  window: number;
  preprocess: PreprocessOptions;
}

/**
 * Checks classifyMany()'s sources (an iterable of some kind) and options.
 * @param defaultWindow - the window when `concurrency` is not given
 */
export function checkStreamOptions(sources: unknown, options: unknown, numClasses: number, defaultWindow: number): CheckedStream {
  if (!is.defined(sources) || !(Symbol.iterator in Object(sources) || Symbol.asyncIterator in Object(sources))) {
    throw invalidParameterError('sources', 'an iterable or async iterable of image paths or bytes', sources);
  }
  const o = checkOptions(options as { topK?: unknown; concurrency?: unknown; preprocess?: unknown }, 'options', ['topK', 'concurrency', 'preprocess']);
  return {
    topK: checkTopK(o.topK, 5, numClasses),
    window: o.concurrency === undefined ? defaultWindow : checkNumber('options.concurrency', o.concurrency, 1, 4096, true),
    preprocess: checkPreprocessOptions(o.preprocess),
  };
}
