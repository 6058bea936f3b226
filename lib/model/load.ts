/**
 * What EfficientNet.load() does before the model exists: check the options, fetch known weights,
 * read and identify the weights (variant, classes, format, padding, eps), fold batch norm and
 * compile the main plan. The facade (lib/model/efficientnet.ts) only wraps the result.
 */
import { resolveArch, type ArchSpec, type PaddingMode } from '../arch';
import { invalidParameterError } from '../errors';
import { policyResolution, validatePolicy, type PreprocessPolicy } from '../image';
import { resolveLabels } from '../labels';
import { compile, MAIN_OUTPUTS, type Compiled, type CompileChoices } from '../plan';
import {
  defaultBnEps,
  defaultsFromFileName,
  detectFormat,
  fetchWeightsShowingProgress,
  identifyVariant,
  numClassesOf,
  pretrainedSource,
  sourcePolicy,
  type FoldedParams,
  type WeightFormat,
} from '../weights';
import { resolveBatching, type ResolvedBatching } from './batcher';
import { defaultPolicy } from './default-policy';
import { checkLoadOptions } from './load-options';
import type { LoadOptions } from './options';
import { resolveQueue, type ResolvedQueue } from './queue-limit';
import { foldTensors, readTensors, type WeightsOrigin } from './read-weights';

/** Everything a loaded model is made of. */
export interface LoadedModel {
  arch: ArchSpec;
  resolution: number;
  weightsSource: WeightsOrigin['kind'];
  format: WeightFormat;
  padding: PaddingMode;
  bnEps: number;
  labels: readonly string[];
  preprocessing: PreprocessPolicy;
  batching: ResolvedBatching | null;
  queue: ResolvedQueue;
  main: Compiled;
  /** The BN-folded layers `main` was compiled from (the extra plans compile from them too). */
  folded: FoldedParams;
  compileOptions: CompileChoices;
}

/**
 * Checks the options, reads the weights and compiles the main plan.
 * @param stack - the caller's stack, for native errors
 * @throws as {@link EfficientNet.load}
 */
export async function loadModel(options: LoadOptions, stack: Error): Promise<LoadedModel> {
  const { format, kernels, device, precision, threads, seed } = checkLoadOptions(options);
  let variant = options.variant ?? 'b0';
  const source = pretrainedSource(options.weights, options.variant);
  // Known weights bring the preprocessing (and so the resolution) they were evaluated with.
  const policy = options.preprocessing !== undefined
    ? validatePolicy(options.preprocessing)
    : source && options.resolution === undefined ? sourcePolicy(source) : undefined;
  const batching = resolveBatching(options.batching, 'options.batching');
  const queue = resolveQueue(options.queue, 'options.queue', batching?.maxBatch);
  const resolution =
    options.resolution ?? (policy ? policyResolution(policy) : undefined);
  if (policy && resolution !== policyResolution(policy)) {
    throw invalidParameterError('options.preprocessing', `a policy producing ${resolution}x${resolution} (options.resolution)`,
      policyResolution(policy), 'range');
  }

  const weights = source ? await fetchWeightsShowingProgress(source) : options.weights;
  let arch = resolveArch(source?.variant ?? variant, { numClasses: options.numClasses });
  const origin: WeightsOrigin =
    weights === undefined
      ? { kind: 'random', seed }
      : typeof weights === 'string'
        ? { kind: 'file', path: weights }
        : { kind: 'buffer', bytes: weights };
  let weightFormat: WeightFormat = format === 'auto' ? 'torchvision' : format;
  const tensors = await readTensors(arch, origin, weightFormat);
  if (origin.kind !== 'random') {
    if (format === 'auto') weightFormat = source?.format ?? detectFormat([...tensors.keys()]);
    // No variant asked for: the weights say which one they are (B0 when they are none of B0-B7).
    const found = options.variant === undefined && !source ? identifyVariant(tensors, weightFormat, options.numClasses) : undefined;
    if (found !== undefined && found !== variant) {
      variant = found;
      arch = resolveArch(variant, { numClasses: options.numClasses });
    }
    if (options.numClasses === undefined) {
      const fromFile = numClassesOf(tensors, weightFormat);
      if (fromFile !== undefined && fromFile !== arch.numClasses) {
        arch = resolveArch(variant, { numClasses: fromFile });
      }
    }
  }
  const labels = resolveLabels(arch.numClasses, options.labels);
  // TF-ported weights need TF SAME padding and eps 1e-3: known from the source, the file name
  // (timm's tf_efficientnet_*) or the naming (lukemelas' are all TF ports).
  const implied = source ?? (typeof weights === 'string' ? defaultsFromFileName(weights) : undefined);
  const padding = options.padding ?? implied?.padding ?? (weightFormat === 'lukemelas' ? 'same' : 'symmetric');
  const bnEps = options.bnEps ?? implied?.bnEps ?? defaultBnEps(arch.variant, weightFormat);
  const folded = foldTensors(arch, tensors, weightFormat, bnEps);
  const size = resolution ?? arch.resolution;
  const compileOptions: CompileChoices = { threads, kernels, device, precision };
  const main = compile(arch, folded, { padding, resolution: size, outputs: MAIN_OUTPUTS }, compileOptions, stack);
  return {
    arch,
    resolution: size,
    weightsSource: origin.kind,
    format: weightFormat,
    padding,
    bnEps,
    labels,
    preprocessing: policy ?? defaultPolicy(arch, weightFormat, padding, size),
    batching,
    queue,
    main,
    folded,
    compileOptions,
  };
}
