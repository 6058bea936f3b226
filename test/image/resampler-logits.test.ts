// What the fast 'sharp' resampler costs in logits, against the Pillow-exact 'pil' one (what
// torchvision's transforms do), on a downscale where the two differ (resize 72, crop 64; the
// enlargements of the torchvision policies on these small fixtures go through the same native path
// and are identical). ICC conversion and alpha are taken out so only the resampler differs.
// Measured on seeded B0 weights at 64 px: pixels differ by up to 0.05 (normalized units, ~3 uint8
// steps), logits by 0.5-1.6 % of the largest logit, top-5 identical. The bound below (3 %) is
// that with room for libvips updates; a seeded network is not a trained one, so this states the
// size of the effect, not an accuracy loss.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EfficientNet, preprocess, resolveArch, seededStateDict, writeSafetensors } from '../../lib';
import { torchvisionPolicy } from '../../lib/image';
import { topK } from '../helpers/logits';

const policy = { ...torchvisionPolicy('b0'), resizeSize: 72, cropSize: 64 };
const dir = path.join(__dirname, '..', 'fixtures/images');

describe("logits: 'sharp' vs 'pil' resampling", () => {
  let model: EfficientNet;
  beforeAll(async () => {
    const weights = writeSafetensors(seededStateDict(resolveArch('b0'), 1));
    model = await EfficientNet.load({ variant: 'b0', weights, resolution: 64, preprocessing: policy });
  });
  afterAll(() => model.dispose());

  it.each(['astronaut-portrait.png', 'chelsea-landscape.png', 'coffee-square.png', 'coffee-exif6.jpg'])('%s', async (file) => {
    const pil = await preprocess([path.join(dir, file)], policy, { resize: 'pil' });
    const fast = await preprocess([path.join(dir, file)], policy, { resize: 'sharp', icc: 'ignore', alpha: 'drop' });
    const a = (await model.run(pil)).data;
    const b = (await model.run(fast)).data;
    const maxRef = Math.max(...a.map(Math.abs));
    const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    console.log(`${file}: max |dlogit| ${maxDiff.toExponential(2)} (${((100 * maxDiff) / maxRef).toFixed(2)} % of max |logit|)`);
    expect(maxDiff).toBeGreaterThan(0); // the two resamplers really differ here
    expect(maxDiff / maxRef).toBeLessThan(0.03);
    expect(topK(b, 5)).toEqual(topK(a, 5));
  });
});
