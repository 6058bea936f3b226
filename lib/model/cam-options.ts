/** cam()'s argument checks: which classes to explain, the overlay's alpha, the whole photo or not. */
import { checkNumber, invalidParameterError } from '../errors';
import { checkOptions, checkTopK } from './call-options';
import type { CamOptions, InputOptions } from './options';

/** cam()'s options once checked. */
export interface CheckedCam {
  /** The input options (preprocess, inputLayout) as given. */
  input: InputOptions;
  /** The class indices asked for, or how many of the most probable to explain. */
  classes: number | number[];
  alpha: number;
  full: boolean;
}

/**
 * Checks cam()'s image (its kind only) and options against a model of `numClasses` classes.
 * @throws {TypeError | RangeError} as {@link EfficientNet.cam} documents
 */
export function checkCamOptions(image: unknown, options: CamOptions, numClasses: number): CheckedCam {
  const o = checkOptions(options, 'options', ['classIndex', 'topK', 'alpha', 'full', 'preprocess', 'inputLayout']);
  if (Array.isArray(image)) throw invalidParameterError('image', 'one image (cam explains a single image)', image);
  if (o.full !== undefined && typeof o.full !== 'boolean') throw invalidParameterError('options.full', 'a boolean', o.full);
  if (o.full === true && typeof image !== 'string' && !(image instanceof Uint8Array)) {
    throw invalidParameterError('image', 'an image path or encoded bytes (full: true preprocesses the whole photo itself)', image);
  }
  if (o.classIndex !== undefined && o.topK !== undefined) {
    throw invalidParameterError('options', 'either classIndex or topK', 'both', 'type');
  }
  const asked =
    o.classIndex === undefined
      ? undefined
      : (Array.isArray(o.classIndex) ? (o.classIndex as number[]) : [o.classIndex as number]).map((c, i) =>
          checkNumber(Array.isArray(o.classIndex) ? `options.classIndex[${i}]` : 'options.classIndex', c, 0, numClasses - 1, true),
        );
  const k = checkTopK(o.topK, 1, numClasses);
  const alpha = o.alpha === undefined ? 0.5 : checkNumber('options.alpha', o.alpha, 0, 1);
  return { input: o, classes: asked ?? k, alpha, full: o.full === true };
}
