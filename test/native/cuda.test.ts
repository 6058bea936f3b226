// The CUDA path from Node. Without a GPU (this project's CI): the addon still loads, reports why
// CUDA is unavailable, device 'cuda' fails with ERR_CUDA_UNAVAILABLE and 'auto' falls back to the
// CPU. With a GPU, the same B0 runs on both devices and must agree (fp32: 1e-4 relative, fp16:
// 1e-2 relative and the same top-5). EFFICIENTNET_REQUIRE_CUDA=1 turns "no GPU" into a failure.
// fp16's weight range check runs at load before any device is looked for, so it is tested on
// every machine.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EfficientNet, resolveArch, seededStateDict, writeSafetensors } from '../../lib';
import { getNative } from '../../lib/native';
import { seededImageBatch } from '../../lib/random';
import { expectCode } from '../helpers/errors';
import { topK } from '../helpers/logits';

const cuda = getNative().info().cuda;
const nvccPresent = spawnSync('sh', ['-c', 'command -v nvcc || test -x /usr/local/cuda/bin/nvcc']).status === 0;
const requireCuda = process.env.EFFICIENTNET_REQUIRE_CUDA === '1';

describe('CUDA backend', () => {
  it('is compiled in wherever nvcc was present at build time', () => {
    if (nvccPresent) expect(cuda.compiled).toBe(true);
    if (!cuda.available) expect(cuda.reason).toMatch(/\w/);
    if (requireCuda) expect(cuda.available, cuda.reason).toBe(true);
  });

  it.skipIf(cuda.available)('without a GPU: device cuda fails with the reason, auto falls back to the CPU', async () => {
    await expectCode(
      EfficientNet.load({ variant: 'b0', device: 'cuda' }),
      'ERR_CUDA_UNAVAILABLE',
      cuda.compiled ? /cuda|driver|device/i : /no CUDA backend/i,
    );
    const model = await EfficientNet.load({ variant: { width: 0.5, depth: 0.5, resolution: 64 }, device: 'auto' });
    expect(model.device).toBe('cpu');
    expect((await model.run(seededImageBatch(1, 64, 1))).dims).toEqual([1, 1000]);
    model.dispose();
  });

  it('fp16 is refused on the CPU', async () => {
    await expectCode(EfficientNet.load({ variant: 'b0', device: 'cpu', precision: 'fp16' }), 'ERR_INVALID_OPTION', /fp16/);
  });

  it.runIf(cuda.available).each(['fp32', 'fp16'] as const)('B0 on the GPU (%s) agrees with the CPU', async (precision) => {
    const x = seededImageBatch(4, 224, 3);
    const cpu = await EfficientNet.load({ variant: 'b0', seed: 5 });
    const gpu = await EfficientNet.load({ variant: 'b0', seed: 5, device: 'cuda', precision });
    expect(gpu.device).toBe('cuda');
    const [a, b] = [(await cpu.run(x)).data, (await gpu.run(x)).data];
    cpu.dispose();
    gpu.dispose();
    const maxRef = Math.max(...a.map(Math.abs));
    const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    expect(maxDiff).toBeLessThanOrEqual((precision === 'fp32' ? 1e-4 : 1e-2) * maxRef);
    for (let n = 0; n < 4; n++) {
      expect(topK(b.subarray(n * 1000, (n + 1) * 1000), 5)).toEqual(topK(a.subarray(n * 1000, (n + 1) * 1000), 5));
    }
  });
});

describe('fp16 weight range (checked at load, GPU or not)', () => {
  const SMALL = { width: 0.5, depth: 0.5, resolution: 64 } as const;
  const arch = resolveArch(SMALL);
  // The head 1x1 conv's BN gamma: folding multiplies output channel 0's weights by gamma[0].
  const headGamma = `features.${1 + arch.stages.length}.1.weight`;
  const weightsWithHeadGamma0 = (gamma0: number): Buffer => {
    const tensors = seededStateDict(arch, 1);
    const gamma = tensors.get(headGamma)!;
    const data = Float32Array.from(gamma.data as Float32Array);
    data[0] = gamma0;
    tensors.set(headGamma, { ...gamma, data });
    return writeSafetensors(tensors);
  };

  it('a folded weight beyond 65504: ERR_INVALID_OPTION naming the weight; fp32 runs the same weights', async () => {
    const weights = weightsWithHeadGamma0(1e9);
    await expectCode(
      EfficientNet.load({ variant: SMALL, weights, device: 'cuda', precision: 'fp16' }),
      'ERR_INVALID_OPTION',
      /op \d+ \(head_pool\) weight\[0\]\[\d+\] of \[\d+\]\[\d+\] = .*65504/,
    );
    const fp32 = await EfficientNet.load({ variant: SMALL, weights });
    expect((await fp32.run(seededImageBatch(1, 64, 1))).dims).toEqual([1, 1000]);
    fp32.dispose();
  });

  it('tiny weights (a near-dead channel) pass the check: without a GPU the failure is the device', async () => {
    const weights = weightsWithHeadGamma0(1e-12);
    const load = EfficientNet.load({ variant: SMALL, weights, device: 'cuda', precision: 'fp16' });
    if (cuda.available) (await load).dispose();
    else await expectCode(load, 'ERR_CUDA_UNAVAILABLE');
  });
});
