/**
 * Class names for a model's outputs: torchvision's ImageNet-1k names for 1000-class heads, the
 * caller's own list for custom heads, `class_<i>` when nothing better is known.
 */
import { invalidParameterError } from '../errors';
import { IMAGENET_LABELS } from './imagenet';

export { IMAGENET_LABELS };

/**
 * The labels a model uses.
 *
 * @param numClasses - the classifier width
 * @param labels - the caller's names (index i names class i), or undefined for the default:
 *   {@link IMAGENET_LABELS} when numClasses is 1000, else `class_0`, `class_1`, …
 * @returns a frozen array of numClasses names
 * @throws TypeError when labels is not an array of strings
 * @throws RangeError when its length differs from numClasses
 */
export function resolveLabels(numClasses: number, labels?: readonly string[]): readonly string[] {
  if (labels === undefined) {
    // Assumes a 1000-class head is ImageNet-1k (torchvision's and timm's pretrained heads are).
    return numClasses === IMAGENET_LABELS.length
      ? IMAGENET_LABELS
      : Object.freeze(Array.from({ length: numClasses }, (_, i) => `class_${i}`));
  }
  if (!Array.isArray(labels)) throw invalidParameterError('options.labels', 'an array of strings', labels);
  labels.forEach((name: unknown, i) => {
    if (typeof name !== 'string') throw invalidParameterError(`options.labels[${i}]`, 'a string', name);
  });
  if (labels.length !== numClasses) {
    throw new RangeError(
      `Expected ${numClasses} labels (one per class of this model) for options.labels but received ${labels.length}`,
    );
  }
  return Object.freeze([...labels]);
}
