// PyTorch .pth checkpoints (fixtures from tools/pth/make-fixtures.py): every layout torch.save
// writes gives the logits of the same weights as safetensors; every hostile file is refused with
// ERR_WEIGHTS_FORMAT and runs nothing.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EfficientNet, type LoadOptions } from '../../lib/model/efficientnet';
import { customArch } from '../../lib/arch';
import { detectFormat, parsePth, parseSafetensors, PICKLE_LIMITS, resolveParams } from '../../lib/weights';
import { seededImageBatch } from '../../lib/random';
import { expectCode } from '../helpers/errors';

const dir = path.join(__dirname, '..', 'fixtures', 'pth');
const fixture = (name: string): string => path.join(dir, name);
// The fixtures' tiny scaling (width 0.05, depth 0.1, 10 classes), at a small input.
const variant = { width: 0.05, depth: 0.1, resolution: 32 };

const input = (): Float32Array => seededImageBatch(2, 32, 7);

async function logits(options: LoadOptions): Promise<Float32Array> {
  const model = await EfficientNet.load({ variant, threads: 1, ...options });
  try {
    return (await model.run({ data: input(), dims: [2, 3, 32, 32] })).data as Float32Array;
  } finally {
    model.dispose();
  }
}

describe('.pth checkpoints load as their safetensors twin', () => {
  let reference: Float32Array;
  let referenceFp16: Float32Array;
  let referenceTf: Float32Array;
  beforeAll(async () => {
    reference = await logits({ weights: fixture('reference.safetensors') });
    referenceFp16 = await logits({ weights: fixture('fp16.safetensors') });
    referenceTf = await logits({ weights: fixture('reference.safetensors'), padding: 'same', bnEps: 1e-3 });
  });

  const cases: [string, () => Float32Array, LoadOptions][] = [
    ['zip.pth', () => reference, {}],
    ['legacy.pth', () => reference, {}],
    ['checkpoint.pth', () => reference, {}],
    ['module.pth', () => reference, {}],
    ['views.pth', () => reference, {}],
    ['bigendian.pth', () => reference, {}],
    ['fp16.pth', () => referenceFp16, {}],
    ['lukemelas.pth', () => referenceTf, {}],
  ];
  it.each(cases)('%s', async (name, expected, options) => {
    const ours = await logits({ weights: fixture(name), ...options });
    expect(ours.length).toBe(20);
    expect(Buffer.from(ours.buffer).equals(Buffer.from(expected().buffer))).toBe(true);
  });

  it('reads the same tensors from the zip and legacy formats, also given as bytes', async () => {
    const a = parsePth(readFileSync(fixture('zip.pth')));
    const b = parsePth(readFileSync(fixture('legacy.pth')));
    const st = parseSafetensors(readFileSync(fixture('reference.safetensors')));
    expect([...a.keys()]).toEqual([...st.keys()]);
    expect([...b.keys()]).toEqual([...st.keys()]);
    for (const [k, t] of st) {
      expect(a.get(k)!.shape, k).toEqual(t.shape);
      expect(Buffer.from(a.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
      expect(Buffer.from(b.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
    }
    const viaBytes = await logits({ weights: readFileSync(fixture('zip.pth')) });
    expect(Buffer.from(viaBytes.buffer).equals(Buffer.from(reference.buffer))).toBe(true);
  });

  it('detects the lukemelas naming and defaults it to TF SAME padding and eps 1e-3', async () => {
    const tensors = parsePth(readFileSync(fixture('lukemelas.pth')));
    expect(detectFormat(tensors.keys())).toBe('lukemelas');
    const model = await EfficientNet.load({ variant, weights: fixture('lukemelas.pth') });
    expect([model.format, model.padding, model.bnEps]).toEqual(['lukemelas', 'same', 1e-3]);
    model.dispose();
  });

  it('gives a file named tf_efficientnet_* TF SAME padding and eps 1e-3 (timm TF ports)', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'efficientnet-pth-'));
    try {
      const named = path.join(tmp, 'tf_efficientnet_tiny-00000000.pth');
      copyFileSync(fixture('zip.pth'), named);
      const model = await EfficientNet.load({ variant, weights: named, threads: 1 });
      expect([model.padding, model.bnEps]).toEqual(['same', 1e-3]);
      const ours = (await model.run({ data: input(), dims: [2, 3, 32, 32] })).data as Float32Array;
      model.dispose();
      expect(Buffer.from(ours.buffer).equals(Buffer.from(referenceTf.buffer))).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a wrong naming names the key that decided it', async () => {
    const arch = customArch({ ...variant, numClasses: 10 });
    const tensors = parsePth(readFileSync(fixture('zip.pth')));
    tensors.delete('classifier.1.weight');
    await expectCode(() => resolveParams(arch, tensors), 'ERR_WEIGHTS_MISSING', /torchvision naming, recognised by its key 'features\.0\.0\.weight'\) are missing classifier\.1\.weight/);
    tensors.set('_conv_stem.weight', tensors.get('features.0.0.weight')!);
    await expectCode(() => detectFormat(tensors.keys()), 'ERR_WEIGHTS_FORMAT', /'features\.0\.0\.weight' and '_conv_stem\.weight' are both present/);
  });

  it('takes the state dict out of a training checkpoint without building the optimizer state', () => {
    const tensors = parsePth(readFileSync(fixture('checkpoint.pth')));
    expect([...tensors.keys()].some((k) => k.includes('momentum') || /^\d/.test(k))).toBe(false);
    expect(tensors.size).toBe(parseSafetensors(readFileSync(fixture('reference.safetensors'))).size);
  });
});

describe('hostile .pth files are refused and run nothing', () => {
  const markers = JSON.parse(readFileSync(fixture('hostile.json'), 'utf8')) as Record<string, string>;
  const cwd = process.cwd();
  const markerPaths = Object.values(markers).map((m) => path.join(cwd, m));
  afterAll(() => {
    for (const m of markerPaths) expect(existsSync(m), m).toBe(false);
  });

  const cases: [string, RegExp][] = [
    ['os-system', /global (posix|os)\.system/],
    ['eval', /global (__builtin__|builtins)\.eval/],
    ['deep', new RegExp(`${PICKLE_LIMITS.stack} values|nest deeper`)],
    ['no-stop', /without a STOP/],
    ['offset', /reaches element 103 of a 4-element storage/],
    ['broadcast', /has 1099511627776 elements .* but its storage only 4/],
    ['bomb', /does not inflate to its declared 200 bytes|zip bomb/],
    ['overlap', /overlap/],
  ];
  it.each(cases)('%s', async (name, message) => {
    expect(markers[name]).toBeDefined();
    await expectCode(EfficientNet.load({ variant, weights: fixture(`hostile-${name}.pth`) }), 'ERR_WEIGHTS_FORMAT', message);
    expect(existsSync(path.join(cwd, markers[name]!))).toBe(false);
  });
});

describe('pickle and archive edge cases', () => {
  const zip = readFileSync(fixture('zip.pth'));
  const cases: [string, Uint8Array, RegExp][] = [
    ['a truncated archive', zip.subarray(0, zip.length - 100), /end-of-central-directory|truncated|beyond/],
    ['an archive cut in the middle', zip.subarray(0, zip.length >> 1), /end-of-central-directory|truncated|beyond/],
    ['a legacy file cut short', readFileSync(fixture('legacy.pth')).subarray(0, 5000), /truncated|missing|without a STOP/],
    ['a protocol 1 pickle', Uint8Array.from([0x80, 0x01, 0x8a, 0, 0, 0, 0, 0, 0, 0x2e]), /protocol 1/],
  ];
  it.each(cases)('%s is ERR_WEIGHTS_FORMAT', async (_name, bytes, message) => {
    await expectCode(() => parsePth(bytes), 'ERR_WEIGHTS_FORMAT', message);
  });
});
