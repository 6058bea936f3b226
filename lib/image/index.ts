/**
 * Image preprocessing: sources (paths or bytes) to the float32 batch the network reads, with the
 * weights' resize / crop / normalize policy. See preprocess.ts for the two resamplers.
 */
export {
  preprocess,
  preprocessEach,
  preprocessWhole,
  RESIZE_MODES,
  type ResizeMode,
  type ImageResult,
  type PreprocessEachResult,
  type PreprocessOptions,
  type PreprocessedBatch,
} from './preprocess';
export {
  ADVPROP_MEAN,
  ADVPROP_STD,
  IMAGENET_MEAN,
  IMAGENET_STD,
  TF_CROP_PADDING,
  policyResolution,
  tfPolicy,
  timmPolicy,
  timmTfPolicy,
  torchvisionPolicy,
  validatePolicy,
  type CropResizePolicy,
  type Interpolation,
  type PolicyVariant,
  type PreprocessPolicy,
  type ResizeCropPolicy,
  type Rgb,
  type TimmPolicyOptions,
} from './policy';
export { DEFAULT_MAX_PIXELS, SUPPORTED_FORMATS, type ImageSource } from './decode';
export { LAYOUTS, type Layout } from './normalize';
export { resampleImage, type NativeFilter, type ResampleImageParams } from './native-image';
