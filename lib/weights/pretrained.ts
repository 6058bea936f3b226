/** The `weights` option of load() when it names pretrained weights ('imagenet' or a source id). */
import { invalidParameterError } from '../errors';
import { timmTfPolicy, torchvisionPolicy, type PreprocessPolicy } from '../image';
import { findWeightSource, isWeightSourceId, WEIGHT_SOURCES, type WeightSource } from './sources';

/**
 * The source a `weights` option names, checked against the variant option (nothing is fetched).
 *
 * @param weights - the load() option
 * @param variant - the load() variant option (undefined: the id's variant, b0 for 'imagenet')
 * @returns the source, or undefined when `weights` is not an id (a path, bytes, or nothing)
 * @throws RangeError for an unknown id, or an id of another variant than `variant`
 */
export function pretrainedSource(weights: unknown, variant: unknown): WeightSource | undefined {
  if (typeof weights !== 'string' || !isWeightSourceId(weights)) return undefined;
  const source = findWeightSource(weights, typeof variant === 'string' ? variant : variant === undefined ? 'b0' : undefined);
  if (!source) {
    const known = weights === 'imagenet' ? "a B0-B7 variant for 'imagenet'" : `one of ${WEIGHT_SOURCES.map((s) => s.id).join(', ')}`;
    throw invalidParameterError('options.weights', known, weights, 'range');
  }
  if (variant !== undefined && variant !== source.variant) {
    throw invalidParameterError('options.variant', `'${source.variant}' (the variant of ${source.id}) or no variant`, variant, 'range');
  }
  return source;
}

/**
 * The eval preprocessing a source's weights were measured with (its table entry's `policy`).
 *
 * @param source - the source
 * @returns the policy (its crop size is the resolution the model is compiled at by default)
 * @throws never
 */
export function sourcePolicy(source: WeightSource): PreprocessPolicy {
  return source.policy === 'torchvision-v1' ? torchvisionPolicy(source.variant) : timmTfPolicy(source.variant);
}
