/**
 * Which preprocessing a model gets when the caller names none (timm's lesson: preprocessing is a
 * property of the weights, so it travels with the model).
 */
import type { ArchSpec, PaddingMode } from '../arch';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  policyResolution,
  timmTfPolicy,
  torchvisionPolicy,
  type PolicyVariant,
  type PreprocessPolicy,
} from '../image';
import type { WeightFormat } from '../weights';

const TABLE: readonly string[] = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'];

/**
 * The default policy, first match wins:
 * 1. torchvision names, a B0–B7 variant, and the resolution torchvision evaluates it at:
 *    `torchvisionPolicy(variant)` (B0 resize 256 / crop 224, …);
 * 2. timm names with TF "SAME" padding (timm's `tf_efficientnet_bX`, ported TF checkpoints) at
 *    that checkpoint's size: `timmTfPolicy(variant)` (crop_pct 0.875 … 0.949);
 * 3. anything else (custom scalings, B8/L2, timm's PyTorch-trained weights, other resolutions):
 *    torchvision's B0 ratio scaled: resize the shorter side to round(resolution * 256 / 224),
 *    centre crop `resolution`, bicubic, ImageNet mean/std.
 * Weights trained otherwise (AdvProp, the TF reference eval) need an explicit policy.
 *
 * @param arch - the model's architecture
 * @param format - key naming of its weights
 * @param padding - its padding mode (tells TF-ported timm weights apart)
 * @param resolution - the compiled input size
 * @returns the policy
 * @throws never
 */
export function defaultPolicy(
  arch: ArchSpec,
  format: WeightFormat,
  padding: PaddingMode,
  resolution: number,
): PreprocessPolicy {
  if (TABLE.includes(arch.variant)) {
    const variant = arch.variant as PolicyVariant;
    // torchvision evaluates B2 at 288, not the paper's 260: its policy only fits a model compiled
    // at the size it crops to.
    const candidate =
      format === 'torchvision' ? torchvisionPolicy(variant) : padding === 'same' ? timmTfPolicy(variant) : undefined;
    if (candidate && policyResolution(candidate) === resolution) return candidate;
  }
  return {
    kind: 'resize-crop',
    resizeSize: Math.round((resolution * 256) / 224),
    cropSize: resolution,
    interpolation: 'bicubic',
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
  };
}
