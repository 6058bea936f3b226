// Whole-network parity with torchvision on seeded weights and inputs. The fixtures
// (test/fixtures/parity/*.json, made by tools/parity/make-fixtures.mjs with Debian's torch) hold
// only torchvision's float64 logits and the seeds; weights and inputs are regenerated here.
//
// Pass: max |ours - torch| <= 1e-4 * max |torch logit| per case, and the top-5 classes of every
// image identical. 1e-4 leaves room for fp32 accumulation over ~40 layers (we measure ~1e-6
// relative; see the printed figures) while a wrong padding, eps or SE width moves logits by >1e-2.
import { describe, expect, it } from 'vitest';
import { compareLogits } from '../helpers/logits';
import { fixtureLogits, parityFixtures as fixtures, type ParityFixture } from '../helpers/parity-fixtures';
import type { WeightFormat } from '../../lib';

// bnEps: undefined asks for the variant's default eps (the fixture's own otherwise).
function ours(f: ParityFixture, format: WeightFormat, extra: { bnEps?: number; kernels?: 'fast' | 'reference' } = {}) {
  return fixtureLogits(f, format, 'bnEps' in extra ? extra : { kernels: extra.kernels });
}

describe('parity with torchvision', () => {
  it('has the fixtures', () => {
    expect(fixtures.map((f) => f.name)).toEqual(expect.arrayContaining(['b0', 'b0-same', 'b3', 'b5']));
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: torchvision names', async (_name, f) => {
    compareLogits(await ours(f, 'torchvision'), f.logits, f.batch, f.name);
  });

  it('b0: timm names give the same logits (a timm-named file made by renaming keys)', async () => {
    const f = fixtures.find((x) => x.name === 'b0')!;
    compareLogits(await ours(f, 'timm'), f.logits, f.batch, 'b0 timm');
  });

  it('b5: the default eps for torchvision B5 is 1e-3 (TF-trained)', async () => {
    const f = fixtures.find((x) => x.name === 'b5')!;
    compareLogits(await ours(f, 'torchvision', { bnEps: undefined }), f.logits, f.batch, 'b5 default eps');
  });

  it('b0: the scalar reference kernels agree too', async () => {
    const f = fixtures.find((x) => x.name === 'b0')!;
    compareLogits(await ours(f, 'torchvision', { kernels: 'reference' }), f.logits, f.batch, 'b0 reference');
  });

  it('the fixtures depend on their input (a network that ignores it would fail here)', () => {
    for (const f of fixtures.filter((x) => x.batch >= 2)) {
      const a = f.logits.slice(0, f.numClasses);
      const b = f.logits.slice(f.numClasses, 2 * f.numClasses);
      const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      const scale = Math.max(...a.map(Math.abs));
      expect(diff / scale, f.name).toBeGreaterThan(0.1);
    }
  });

  it('a wrong padding is caught (the check can fail)', async () => {
    const f = fixtures.find((x) => x.name === 'b0-same')!;
    const wrong = await ours({ ...f, padding: 'symmetric' }, 'torchvision');
    expect(() => compareLogits(wrong, f.logits, f.batch, 'wrong padding')).toThrow();
  });
});
