/**
 * efficientnet: EfficientNet B0–B7 for Node.js.
 * @packageDocumentation
 */
export {
  EfficientNet,
  type LoadOptions,
  type RunOptions,
  type ModelInput,
  type InputOptions,
  type ClassifyOptions,
  type ClassifyManyOptions,
  type ClassifyManyItem,
  type FeaturesOptions,
  type CamOptions,
  type CamResult,
} from './efficientnet';
export { softmax, topPredictions, type Prediction } from './classify';
export { FeatureMap, DEFAULT_FEATURE_STAGES } from './features';
export { IMAGENET_LABELS } from './labels';
export { defaultPolicy } from './default-policy';
export { DEFAULT_BATCHING, type BatchingOptions } from './batcher';
export { defaultQueueMax, type QueueOptions, type ResolvedQueue } from './queue-limit';
export { Tensor } from './tensor';
export type { TensorLike, Layout } from './input';
export { EfficientNetError, type ErrorCode } from './errors';
export {
  VARIANT_NAMES,
  resolveArch,
  summarize,
  formatSummary,
  type ArchSpec,
  type CustomScaling,
  type VariantName,
  type ArchSummary,
  type PaddingMode,
} from './arch';
export {
  parseSafetensors,
  writeSafetensors,
  seededStateDict,
  parsePth,
  PICKLE_LIMITS,
  ZIP_LIMITS,
  WEIGHT_SOURCES,
  findWeightSource,
  fetchWeights,
  weightsCacheDir,
  cachedWeightsPath,
  type WeightFormat,
  type WeightSource,
  type FetchOptions,
  type FetchProgress,
} from './weights';
export { parseNpy, encodeNpy, type NpyArray } from './npy';
export type { Plan, PlanOp, OpName } from './plan';
export {
  preprocess,
  preprocessEach,
  torchvisionPolicy,
  timmPolicy,
  timmTfPolicy,
  tfPolicy,
  type PreprocessPolicy,
  type PreprocessOptions,
  type ImageSource,
} from './image';
