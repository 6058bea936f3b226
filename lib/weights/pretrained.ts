/** The `weights` option of load() when it names pretrained weights ('imagenet' or a source id). */
import { invalidParameterError } from '../errors';
import { fetchWeightsShowingProgress } from './fetch';
import { findWeightSource, isWeightSourceId, WEIGHT_SOURCES, type WeightSource } from './sources';

/**
 * Resolve a `weights` option: a source id is looked up and fetched into the cache (a progress bar
 * on stderr when it is a terminal); anything else is left to the file/bytes path.
 *
 * @param weights - the load() option
 * @param variant - the load() variant option (undefined: the id's variant, b0 for 'imagenet')
 * @returns the source and the cached file's path, or {} when `weights` is not an id
 * @throws RangeError for an unknown id or an id of another variant than `variant`;
 *   EfficientNetError ERR_WEIGHTS_DOWNLOAD from fetchWeights
 */
export async function pretrainedWeights(weights: unknown, variant: unknown): Promise<{ source?: WeightSource; path?: string }> {
  if (typeof weights !== 'string' || !isWeightSourceId(weights)) return {};
  const source = findWeightSource(weights, typeof variant === 'string' ? variant : variant === undefined ? 'b0' : undefined);
  if (!source) {
    const known = weights === 'imagenet' ? "a B0-B7 variant for 'imagenet'" : `one of ${WEIGHT_SOURCES.map((s) => s.id).join(', ')}`;
    throw invalidParameterError('options.weights', known, weights, 'range');
  }
  if (variant !== undefined && variant !== source.variant) {
    throw invalidParameterError('options.variant', `'${source.variant}' (the variant of ${source.id}) or no variant`, variant, 'range');
  }
  return { source, path: await fetchWeightsShowingProgress(source) };
}
