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
} from './model/efficientnet';
export { softmax, topPredictions, type Prediction } from './model/classify';
export { FeatureMap, DEFAULT_FEATURE_STAGES } from './model/features';
export { IMAGENET_LABELS } from './labels';
export { defaultPolicy } from './model/default-policy';
export { DEFAULT_BATCHING, type BatchingOptions } from './model/batcher';
export { defaultQueueMax, type QueueOptions, type ResolvedQueue } from './model/queue-limit';
export { Tensor } from './model/tensor';
export { OP_CLASSES, type OpClass, type ModelProfile, type ProfileStep } from './model/profile';
export type { TensorLike, Layout } from './model/input';
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
export type { Plan, PlanOp, OpName } from './plan/types';
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
