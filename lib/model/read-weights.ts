/**
 * load()'s weights from where they are to BN-folded layers: reading the file or buffer (or
 * generating the seeded init), parsing, resolving the names and folding batch norm.
 */
import { promises as fs } from 'node:fs';
import type { ArchSpec } from '../arch';
import { EfficientNetError } from '../errors';
import {
  foldBatchNorm,
  parseSafetensors,
  parsePth,
  isPth,
  resolveParams,
  seededStateDict,
  type FoldedParams,
  type TensorData,
  type WeightFormat,
} from '../weights';

// Where load() got its weights.
export type WeightsOrigin = { kind: 'file'; path: string } | { kind: 'buffer'; bytes: Uint8Array } | { kind: 'random'; seed: number };

export async function readWeights(weights: string | Uint8Array): Promise<Uint8Array> {
  if (typeof weights !== 'string') return weights;
  try {
    return await fs.readFile(weights);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EfficientNetError(
      'ERR_WEIGHTS_FORMAT',
      `Cannot read weights file ${weights}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { cause: err },
    );
  }
}

// The raw tensors of a weight source (random: the seeded init, regenerated).
export async function readTensors(arch: ArchSpec, origin: WeightsOrigin, format: WeightFormat): Promise<Map<string, TensorData>> {
  if (origin.kind === 'random') return seededStateDict(arch, origin.seed, format);
  const bytes = origin.kind === 'file' ? await readWeights(origin.path) : origin.bytes;
  return isPth(bytes) ? parsePth(bytes) : parseSafetensors(bytes);
}

// Tensors -> BN-folded layers. Empties `tensors` on the way (the raw copies can go before packing
// doubles the memory).
export function foldTensors(arch: ArchSpec, tensors: Map<string, TensorData>, format: WeightFormat, bnEps: number): FoldedParams {
  const params = resolveParams(arch, tensors, format);
  tensors.clear();
  const folded = foldBatchNorm(arch, params, { eps: bnEps });
  params.clear();
  return folded;
}
