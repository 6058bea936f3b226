/**
 * efficientnet: EfficientNet B0–B7 for Node.js.
 * @packageDocumentation
 */
export { EfficientNet, type LoadOptions, type RunOptions } from './efficientnet';
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
export { parseSafetensors, writeSafetensors, seededStateDict, type WeightFormat } from './weights';
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
