/** A method's `images` argument to the NHWC batch the core reads. */
import { preprocess, type PreprocessPolicy } from '../image';
import { checkLayout, checkPreprocessOptions, isTensorInput } from './call-options';
import { prepareInput, type PreparedInput } from './input';
import type { InputPool } from './input-pool';
import type { InputOptions, ModelInput } from './options';

/**
 * Images are preprocessed with the model's policy (all or nothing); tensors are checked and copied.
 * @param pool - where one image is read into (a server's usual call); the caller gives the buffer
 *   back (`pooled`) once the core has its copy
 * @throws as {@link EfficientNet.classify} documents for its input
 */
export async function readInput(
  input: ModelInput,
  options: InputOptions,
  policy: PreprocessPolicy,
  resolution: number,
  pool?: InputPool,
): Promise<PreparedInput & { pooled: boolean }> {
  if (isTensorInput(input)) {
    return { ...prepareInput(input, checkLayout(options.inputLayout, 'options.inputLayout'), resolution), pooled: false };
  }
  const preprocessOptions = checkPreprocessOptions(options.preprocess);
  const one = !Array.isArray(input) || input.length === 1;
  const out = one ? pool?.take() : undefined;
  try {
    const batch = await preprocess(input, policy, { ...preprocessOptions, layout: 'nhwc', out });
    return { nhwc: batch.data, batch: batch.dims[0], pooled: out !== undefined };
  } catch (err) {
    if (out) pool!.give(out);
    throw err;
  }
}
