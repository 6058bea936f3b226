/**
 * The shipped EfficientNet variants: the (width, depth, resolution, dropout) table every
 * implementation uses (TF efficientnet_builder.py, torchvision, timm). B1..B7 are NOT alpha^phi
 * literally, so this table is data, not a formula (the formula is offered as "custom" scaling).
 */

/** The names of the shipped variants. B8 and L2 exist in timm/lukemelas only (no torchvision weights). */
export const VARIANT_NAMES = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'l2'] as const;

/** One of {@link VARIANT_NAMES}. */
export type VariantName = (typeof VARIANT_NAMES)[number];

/** The eight variants torchvision ships (the default set for summaries and checks). */
export const TORCHVISION_VARIANTS: readonly VariantName[] = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'];

/** Compound-scaling coefficients of one network. */
export interface Scaling {
  /** Channel multiplier (beta^phi in the paper). */
  width: number;
  /** Repeat multiplier (alpha^phi). */
  depth: number;
  /** Native input resolution in pixels (square). */
  resolution: number;
  /** Dropout before the classifier at training time (identity at inference; informational). */
  dropout: number;
}

/** The paper's Table 2 scalings as torchvision builds them (width, depth, resolution, dropout). */
export const VARIANTS: Readonly<Record<VariantName, Readonly<Scaling>>> = {
  b0: { width: 1.0, depth: 1.0, resolution: 224, dropout: 0.2 },
  b1: { width: 1.0, depth: 1.1, resolution: 240, dropout: 0.2 },
  b2: { width: 1.1, depth: 1.2, resolution: 260, dropout: 0.3 },
  b3: { width: 1.2, depth: 1.4, resolution: 300, dropout: 0.3 },
  b4: { width: 1.4, depth: 1.8, resolution: 380, dropout: 0.4 },
  b5: { width: 1.6, depth: 2.2, resolution: 456, dropout: 0.4 },
  b6: { width: 1.8, depth: 2.6, resolution: 528, dropout: 0.5 },
  b7: { width: 2.0, depth: 3.1, resolution: 600, dropout: 0.5 },
  b8: { width: 2.2, depth: 3.6, resolution: 672, dropout: 0.5 },
  l2: { width: 4.3, depth: 5.3, resolution: 800, dropout: 0.5 },
};

/**
 * Type guard for a variant name.
 *
 * @param v - anything
 * @returns true when `v` is one of {@link VARIANT_NAMES}
 * @throws never
 */
export function isVariantName(v: unknown): v is VariantName {
  return typeof v === 'string' && (VARIANT_NAMES as readonly string[]).includes(v);
}
