/** A method's `images` argument to the NHWC batch the core reads. */
import { preprocess, type PreprocessPolicy } from '../image';
import { checkLayout, checkPreprocessOptions, isTensorInput } from './call-options';
import { prepareInput, type PreparedInput } from './input';
import type { InputOptions, ModelInput } from './options';

/**
 * Images are preprocessed with the model's policy (all or nothing); tensors are checked and copied.
 * @throws as {@link EfficientNet.classify} documents for its input
 */
export async function readInput(
  input: ModelInput,
  options: InputOptions,
  policy: PreprocessPolicy,
  resolution: number,
): Promise<PreparedInput> {
  if (isTensorInput(input)) {
    return prepareInput(input, checkLayout(options.inputLayout, 'options.inputLayout'), resolution);
  }
  const preprocessOptions = checkPreprocessOptions(options.preprocess);
  const batch = await preprocess(input, policy, { ...preprocessOptions, layout: 'nhwc' });
  return { nhwc: batch.data, batch: batch.dims[0] };
}
