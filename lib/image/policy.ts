/**
 * Preprocessing policies: how an image becomes the network's input, as a property of the weights
 * (timm's lesson: preprocessing settings travel with the weights). Two geometric kinds:
 *
 * - `'resize-crop'` (torchvision and timm eval): resize the SHORTER side to `resizeSize` keeping the
 *   aspect ratio, then take the centre `cropSize` x `cropSize`;
 * - `'crop-resize'` (the TF reference eval, tensorflow/tpu efficientnet preprocessing): take the centre
 *   square of `cropFraction` x the shorter side, then resize it to `size` x `size`.
 *
 * Both end with x / 255, then (x - mean) / std per channel, in float32 as torchvision does.
 */
import { checkNumber, invalidParameterError, is } from '../errors';

/** Resampling filter. The models' weights all use bicubic; bilinear is torchvision's B1 V2 recipe. */
export type Interpolation = 'bicubic' | 'bilinear';

/** Per-channel (R, G, B) values. */
export type Rgb = readonly [number, number, number];

/** Fields shared by both policy kinds. */
interface PolicyBase {
  interpolation: Interpolation;
  /** Subtracted after scaling to [0, 1]. */
  mean: Rgb;
  /** Divides after the mean is subtracted. */
  std: Rgb;
}

/** torchvision / timm eval: resize the shorter side, then centre crop. */
export interface ResizeCropPolicy extends PolicyBase {
  kind: 'resize-crop';
  /** The shorter side after resizing; the longer side is floor(resizeSize * long / short). */
  resizeSize: number;
  /** Side of the square centre crop = the network's input resolution. */
  cropSize: number;
}

/** TF reference eval: centre crop a fraction of the shorter side, then resize to a square. */
export interface CropResizePolicy extends PolicyBase {
  kind: 'crop-resize';
  /** Fraction of the shorter side kept (TF: size / (size + 32)). */
  cropFraction: number;
  /** Side of the square output = the network's input resolution. */
  size: number;
}

/** A preprocessing policy; see the module comment. */
export type PreprocessPolicy = ResizeCropPolicy | CropResizePolicy;

/** The variants with a row in the tables below. */
export type PolicyVariant = 'b0' | 'b1' | 'b2' | 'b3' | 'b4' | 'b5' | 'b6' | 'b7';

/** ImageNet statistics used by torchvision and timm's PyTorch-trained weights. */
export const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
/** ImageNet standard deviations, see {@link IMAGENET_MEAN}. */
export const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];
/** AdvProp weights (timm `tf_efficientnet_*_ap`) map [0, 1] to [-1, 1]: mean = std = 0.5. */
export const ADVPROP_MEAN: Rgb = [0.5, 0.5, 0.5];
/** See {@link ADVPROP_MEAN}. */
export const ADVPROP_STD: Rgb = [0.5, 0.5, 0.5];

/** The TF reference eval's crop padding: crop = size / (size + 32) of the shorter side. */
export const TF_CROP_PADDING = 32;

const VARIANTS: readonly PolicyVariant[] = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'];

// torchvision 0.14 models/efficientnet.py, IMAGENET1K_V1 transforms (crop, resize), all bicubic.
// B2 and B5-B7 resize to the crop size itself (no border trimmed), as torchvision ships them.
const TORCHVISION_V1: Record<PolicyVariant, readonly [number, number]> = {
  b0: [224, 256],
  b1: [240, 256],
  b2: [288, 288],
  b3: [300, 320],
  b4: [380, 384],
  b5: [456, 456],
  b6: [528, 528],
  b7: [600, 600],
};

// timm tf_efficientnet_bX (and _ap / _ns): input size and crop_pct of the pretrained config.
const TIMM_TF: Record<PolicyVariant, readonly [number, number]> = {
  b0: [224, 0.875],
  b1: [240, 0.882],
  b2: [260, 0.89],
  b3: [300, 0.904],
  b4: [380, 0.922],
  b5: [456, 0.934],
  b6: [528, 0.942],
  b7: [600, 0.949],
};

// The paper's / TF reference resolutions.
const TF_SIZES: Record<PolicyVariant, number> = {
  b0: 224,
  b1: 240,
  b2: 260,
  b3: 300,
  b4: 380,
  b5: 456,
  b6: 528,
  b7: 600,
};

function checkVariant(variant: unknown): PolicyVariant {
  if (!is.inArray(variant, VARIANTS)) {
    throw invalidParameterError('variant', `one of ${VARIANTS.map((v) => `'${v}'`).join(', ')}`, variant);
  }
  return variant;
}

/**
 * The preprocessing of torchvision's EfficientNet weights (torchvision 0.14 `weights.transforms()`).
 *
 * @param variant - 'b0' … 'b7'
 * @param weights - 'IMAGENET1K_V1' (default; bicubic, the crop/resize table above) or, for B1 only,
 *   'IMAGENET1K_V2' (crop 240, resize 255, BILINEAR: torchvision's newer B1 recipe)
 * @returns the policy
 * @throws TypeError for an unknown variant or weights name; RangeError for V2 on a variant other than b1
 * @example torchvisionPolicy('b0') // resize 256, crop 224, bicubic, ImageNet mean/std
 */
export function torchvisionPolicy(
  variant: PolicyVariant,
  weights: 'IMAGENET1K_V1' | 'IMAGENET1K_V2' = 'IMAGENET1K_V1',
): ResizeCropPolicy {
  const v = checkVariant(variant);
  if (weights === 'IMAGENET1K_V2') {
    if (v !== 'b1') throw invalidParameterError('weights', "'IMAGENET1K_V1' for this variant", weights, 'range');
    return { kind: 'resize-crop', resizeSize: 255, cropSize: 240, interpolation: 'bilinear', mean: IMAGENET_MEAN, std: IMAGENET_STD };
  }
  if (weights !== 'IMAGENET1K_V1') {
    throw invalidParameterError('weights', "'IMAGENET1K_V1' or 'IMAGENET1K_V2'", weights);
  }
  const [cropSize, resizeSize] = TORCHVISION_V1[v];
  return { kind: 'resize-crop', resizeSize, cropSize, interpolation: 'bicubic', mean: IMAGENET_MEAN, std: IMAGENET_STD };
}

/** Options of {@link timmPolicy}. */
export interface TimmPolicyOptions {
  /** Default 'bicubic'. */
  interpolation?: Interpolation;
  /** Default ImageNet; AdvProp weights use {@link ADVPROP_MEAN}. */
  mean?: Rgb;
  /** Default ImageNet; AdvProp weights use {@link ADVPROP_STD}. */
  std?: Rgb;
}

/**
 * timm's eval transform for an input size and crop_pct: Resize(floor(size / cropPct)) on the
 * shorter side, CenterCrop(size) (timm transforms_factory: `scale_size = math.floor(img_size / crop_pct)`).
 *
 * @param size - input resolution (crop side), 1..4096
 * @param cropPct - fraction in (0, 1]
 * @param options - interpolation and normalization
 * @returns the policy
 * @throws TypeError / RangeError for bad arguments
 * @example timmPolicy(240, 0.882) // tf_efficientnet_b1: resize 272, crop 240
 */
export function timmPolicy(size: number, cropPct: number, options: TimmPolicyOptions = {}): ResizeCropPolicy {
  checkNumber('size', size, 1, 4096, true);
  checkNumber('cropPct', cropPct, Number.MIN_VALUE, 1);
  const policy: ResizeCropPolicy = {
    kind: 'resize-crop',
    resizeSize: Math.floor(size / cropPct),
    cropSize: size,
    interpolation: options.interpolation ?? 'bicubic',
    mean: options.mean ?? IMAGENET_MEAN,
    std: options.std ?? IMAGENET_STD,
  };
  return validatePolicy(policy) as ResizeCropPolicy;
}

/**
 * timm's `tf_efficientnet_bX` weights (ported TF checkpoints): their size and crop_pct.
 *
 * @param variant - 'b0' … 'b7'
 * @param options - `advprop: true` for the `_ap` weights (mean = std = 0.5)
 * @returns the policy
 * @throws TypeError for an unknown variant
 */
export function timmTfPolicy(variant: PolicyVariant, options: { advprop?: boolean } = {}): ResizeCropPolicy {
  const [size, cropPct] = TIMM_TF[checkVariant(variant)];
  return options.advprop
    ? timmPolicy(size, cropPct, { mean: ADVPROP_MEAN, std: ADVPROP_STD })
    : timmPolicy(size, cropPct);
}

/**
 * The TF reference eval (tensorflow/tpu efficientnet `preprocess_for_eval`): centre square of
 * size / (size + 32) of the shorter side, resized to size x size, bicubic.
 *
 * The geometry is TF's; the resampler is ours ('sharp' or 'pil'), not TF's `tf.image.resize`.
 *
 * @param variantOrSize - 'b0' … 'b7' (224 … 600) or an explicit size
 * @param options - `advprop: true` for AdvProp checkpoints (mean = std = 0.5); default ImageNet
 *   mean/std, as the Keras/timm ports apply them
 * @returns the policy
 * @throws TypeError / RangeError for bad arguments
 */
export function tfPolicy(variantOrSize: PolicyVariant | number, options: { advprop?: boolean } = {}): CropResizePolicy {
  const size = typeof variantOrSize === 'number' ? checkNumber('size', variantOrSize, 1, 4096, true) : TF_SIZES[checkVariant(variantOrSize)];
  return {
    kind: 'crop-resize',
    cropFraction: size / (size + TF_CROP_PADDING),
    size,
    interpolation: 'bicubic',
    mean: options.advprop ? ADVPROP_MEAN : IMAGENET_MEAN,
    std: options.advprop ? ADVPROP_STD : IMAGENET_STD,
  };
}

function checkRgb(name: string, value: unknown, positive: boolean): Rgb {
  if (!Array.isArray(value) || value.length !== 3) throw invalidParameterError(name, 'an array of 3 numbers', value, 'type');
  value.forEach((x: unknown, i: number) => {
    if (!is.number(x) || (positive && !(x > 0))) {
      throw invalidParameterError(`${name}[${i}]`, positive ? 'a positive finite number' : 'a finite number', x);
    }
  });
  return value as unknown as Rgb;
}

/**
 * Checks a policy coming from a caller (or a config file).
 *
 * @param policy - the policy to check
 * @returns the same policy, typed
 * @throws TypeError for a missing or mistyped field; RangeError for sizes outside 1..4096, a crop
 *   fraction outside (0, 1] or a non-positive std
 */
export function validatePolicy(policy: unknown): PreprocessPolicy {
  if (!is.plainObject(policy)) throw invalidParameterError('policy', 'a preprocessing policy object', policy);
  const p = policy as Record<string, unknown>;
  if (!is.inArray(p.interpolation, ['bicubic', 'bilinear'] as const)) {
    throw invalidParameterError('policy.interpolation', "'bicubic' or 'bilinear'", p.interpolation);
  }
  checkRgb('policy.mean', p.mean, false);
  checkRgb('policy.std', p.std, true);
  if (p.kind === 'resize-crop') {
    checkNumber('policy.resizeSize', p.resizeSize, 1, 4096, true);
    checkNumber('policy.cropSize', p.cropSize, 1, 4096, true);
  } else if (p.kind === 'crop-resize') {
    checkNumber('policy.cropFraction', p.cropFraction, Number.MIN_VALUE, 1);
    checkNumber('policy.size', p.size, 1, 4096, true);
  } else {
    throw invalidParameterError('policy.kind', "'resize-crop' or 'crop-resize'", p.kind);
  }
  return policy as unknown as PreprocessPolicy;
}

/**
 * The square input resolution a policy produces.
 *
 * @param policy - a valid policy
 * @returns cropSize or size
 * @throws never
 */
export function policyResolution(policy: PreprocessPolicy): number {
  return policy.kind === 'resize-crop' ? policy.cropSize : policy.size;
}
