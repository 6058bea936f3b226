// The EfficientNet API: load, run (layouts, batches, concurrency), dispose, and every bad input
// turning into a catchable error with a code while the process stays up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EfficientNet, EfficientNetError, resolveArch, seededStateDict, writeSafetensors } from '../../lib';
import { seededImageBatch } from '../../lib/random';
import { expectCode } from '../helpers/errors';

// A small custom scaling keeps these tests fast: same code paths as B0, a fraction of the work.
const SMALL = { width: 0.5, depth: 0.5, resolution: 64 } as const;

describe('EfficientNet API', () => {
  let model: EfficientNet;
  beforeAll(async () => {
    model = await EfficientNet.load({ variant: SMALL, seed: 7 });
  });
  afterAll(() => model.dispose());

  it('labels a model without weights as random and describes itself', () => {
    expect(model.random).toBe(true);
    expect(model.weightsSource).toBe('random');
    expect(model.numClasses).toBe(1000);
    expect(model.resolution).toBe(64);
    expect(model.kernels).toMatch(/\w+/);
    expect(model.threads).toBeGreaterThanOrEqual(1);
  });

  it('says 1 thread for the reference kernels, which run on the calling thread whatever threads asks', async () => {
    const oracle = await EfficientNet.load({ variant: SMALL, seed: 7, kernels: 'reference', threads: 2 });
    expect([oracle.kernelLevel, oracle.threads]).toEqual(['reference', 1]);
    oracle.dispose();
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const x = seededImageBatch(1, 64, 1);
    const again = await EfficientNet.load({ variant: SMALL, seed: 7 });
    const other = await EfficientNet.load({ variant: SMALL, seed: 8 });
    const [a, b, c] = await Promise.all([model.run(x), again.run(x), other.run(x)]);
    again.dispose();
    other.dispose();
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
  });

  it('gives the same logits for NCHW and NHWC input, and per image in a batch', async () => {
    const x = seededImageBatch(3, 64, 2);
    const nchw = await model.run({ data: x, dims: [3, 3, 64, 64] });
    const nhwc = new Float32Array(x.length);
    for (let n = 0; n < 3; n++)
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < 64 * 64; p++) nhwc[n * 3 * 4096 + p * 3 + c] = x[n * 3 * 4096 + c * 4096 + p];
    const viaNhwc = await model.run({ data: nhwc, dims: [3, 64, 64, 3] }, { layout: 'nhwc' });
    expect(nchw.dims).toEqual([3, 1000]);
    const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    expect(maxDiff(viaNhwc.data, nchw.data)).toBe(0);
    const single = await model.run(x.subarray(3 * 4096, 2 * 3 * 4096));
    // Batching must not change an image's result beyond float reassociation in the kernels.
    expect(maxDiff(single.data, nchw.row(1))).toBeLessThan(1e-4);
  });

  it('runs many concurrent calls safely, each getting its own answer', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => seededImageBatch(1 + (i % 3), 64, 100 + i));
    const serial = [];
    for (const x of inputs) serial.push((await model.run(x)).data);
    const parallel = await Promise.all(inputs.map((x) => model.run(x)));
    parallel.forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(serial[i])));
  });

  it('does not block the event loop while it computes', async () => {
    // setImmediate callbacks run once per event-loop turn with no minimum delay (a 1 ms timer
    // may simply not come due on a loaded machine). B0 at batch 4 is ~100x the work of one loop
    // turn, so turns keep happening only if the compute is off the JS thread.
    const b0 = await EfficientNet.load({ variant: 'b0', seed: 3 });
    let turns = 0;
    let done = false;
    const spin = (): void => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    await b0.run(seededImageBatch(4, 224, 3));
    done = true;
    b0.dispose();
    expect(turns).toBeGreaterThan(1);
  });

  it.each([
    ['wrong dims', { data: new Float32Array(3 * 32 * 32), dims: [1, 3, 32, 32] }, 'ERR_INPUT_SHAPE', /\[N, 3, 64, 64\]/],
    ['dims vs data length', { data: new Float32Array(10), dims: [1, 3, 64, 64] }, 'ERR_INPUT_SHAPE', /holds 10 values/],
    ['length not a multiple', new Float32Array(100), 'ERR_INPUT_SHAPE', /multiple of 12288/],
    ['float64 data', new Float64Array(3 * 64 * 64), 'ERR_INPUT_DTYPE', /float32/],
    ['uint8 tensor', { data: new Uint8Array(3 * 64 * 64), dims: [1, 3, 64, 64] }, 'ERR_INPUT_DTYPE', /Float32Array/],
    ['empty batch', { data: new Float32Array(0), dims: [0, 3, 64, 64] }, 'ERR_INPUT_SHAPE', /N >= 1/],
  ] as const)('rejects %s with a code', async (_name, input, code, message) => {
    await expectCode(model.run(input as never), code, message);
  });

  it('rejects bad options with TypeError / RangeError', async () => {
    await expect(model.run(new Float32Array(12288), { layout: 'chw' as never })).rejects.toThrow(TypeError);
    await expect(EfficientNet.load({ variant: 'b9' as never })).rejects.toThrow(/Expected one of b0/);
    await expect(EfficientNet.load({ threads: 0 })).rejects.toThrow(RangeError);
    await expect(EfficientNet.load({ padding: 'valid' as never })).rejects.toThrow(TypeError);
    await expect(EfficientNet.load({ wieghts: 'x' } as never)).rejects.toThrow(/only variant, weights/);
  });

  it('fails cleanly after dispose, and lets in-flight runs finish', async () => {
    const m = await EfficientNet.load({ variant: SMALL });
    const inflight = m.run(seededImageBatch(2, 64, 4));
    m.dispose();
    m.dispose(); // idempotent
    expect(m.disposed).toBe(true);
    expect((await inflight).dims).toEqual([2, 1000]);
    await expectCode(m.run(seededImageBatch(1, 64, 4)), 'ERR_DISPOSED', /disposed/);
    expect(m.kernels).toBeNull();
  });

  it('carries the caller stack on native errors', async () => {
    const e = await expectCode(model.run(new Float32Array(5)), 'ERR_INPUT_SHAPE');
    expect(e).toBeInstanceOf(EfficientNetError);
    expect(e.stack).toMatch(/model\.test\.ts/);
  });
});

describe('loading weights', () => {
  const arch = resolveArch(SMALL);
  const good = writeSafetensors(seededStateDict(arch, 3));

  it('loads from a Buffer and from a path, with the same result', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'effnet-'));
    const file = path.join(dir, 'w.safetensors');
    writeFileSync(file, good);
    const a = await EfficientNet.load({ variant: SMALL, weights: good });
    const b = await EfficientNet.load({ variant: SMALL, weights: file });
    rmSync(dir, { recursive: true });
    expect(a.weightsSource).toBe('buffer');
    expect(b.weightsSource).toBe('file');
    expect(a.format).toBe('torchvision');
    const x = seededImageBatch(1, 64, 9);
    expect(Array.from((await a.run(x)).data)).toEqual(Array.from((await b.run(x)).data));
    a.dispose();
    b.dispose();
  });

  it('takes the number of classes from the weights', async () => {
    const ten = writeSafetensors(seededStateDict(resolveArch(SMALL, { numClasses: 10 }), 3));
    const m = await EfficientNet.load({ variant: SMALL, weights: ten });
    expect(m.numClasses).toBe(10);
    expect((await m.run(seededImageBatch(2, 64, 1))).dims).toEqual([2, 10]);
    m.dispose();
  });

  it('names a missing file', async () => {
    await expectCode(EfficientNet.load({ weights: '/nonexistent/w.safetensors' }), 'ERR_WEIGHTS_FORMAT', /no such file/);
  });

  it('says which variant a file is for when it does not fit', async () => {
    const b3 = writeSafetensors(seededStateDict(resolveArch('b3'), 1));
    await expectCode(EfficientNet.load({ variant: 'b0', weights: b3 }), 'ERR_WEIGHTS_VARIANT', /b3/);
  });

  it('rejects a truncated file with ERR_WEIGHTS_FORMAT', async () => {
    await expectCode(EfficientNet.load({ variant: SMALL, weights: good.subarray(0, good.length - 100) }), 'ERR_WEIGHTS_FORMAT');
  });
});
