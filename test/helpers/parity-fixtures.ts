/**
 * The whole-network parity fixtures (test/fixtures/parity/*.json, made by
 * tools/parity/make-fixtures.mjs with Debian's torch): torchvision's float64 logits and the seeds
 * of their weights and inputs, which are regenerated here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EfficientNet, resolveArch, seededStateDict, writeSafetensors, type LoadOptions, type WeightFormat } from '../../lib';
import { seededImageBatch } from '../../lib/random';

export interface ParityFixture {
  name: string;
  variant: 'b0' | 'b3' | 'b5';
  seed: number;
  inputSeed: number;
  batch: number;
  padding: 'symmetric' | 'same';
  bnEps: number;
  resolution: number;
  numClasses: number;
  logits: number[];
}

const dir = path.join(__dirname, '..', 'fixtures/parity');

/** Every fixture, by file name order. */
export const parityFixtures: ParityFixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as ParityFixture);

/**
 * Our logits for a fixture: its seeded weights in `format`'s key names, its padding and eps unless
 * `options` says otherwise, on its seeded input batch.
 */
export async function fixtureLogits(f: ParityFixture, format: WeightFormat, options: LoadOptions = {}): Promise<Float32Array> {
  const weights = writeSafetensors(seededStateDict(resolveArch(f.variant), f.seed, format));
  const model = await EfficientNet.load({ variant: f.variant, weights, padding: f.padding, bnEps: f.bnEps, ...options });
  try {
    const x = seededImageBatch(f.batch, f.resolution, f.inputSeed);
    return (await model.run({ data: x, dims: [f.batch, 3, f.resolution, f.resolution] })).data;
  } finally {
    model.dispose();
  }
}
