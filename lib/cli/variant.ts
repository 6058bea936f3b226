/** Parses a variant argument ("b0", "efficientnet_b3", "B7") for the CLI. */
import { isVariantName, VARIANT_NAMES, type VariantName } from '../arch';
import { UsageError } from './io';

export function parseVariant(text: string): VariantName {
  const v = text.toLowerCase().replace(/^efficientnet[-_]/, '');
  if (!isVariantName(v)) throw new UsageError(`unknown variant "${text}" (expected one of ${VARIANT_NAMES.join(', ')})`);
  return v;
}
