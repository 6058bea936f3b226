// features() and cam({ full }) compile their plans from the layers load() folded: the weight file
// (or the caller's buffer) is never read again, so it may be deleted or reused after load().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EfficientNet, resolveArch, seededStateDict, writeSafetensors } from '../../lib';

// A small custom scaling: B0's code paths at a fraction of the work.
const SMALL = { width: 0.5, depth: 0.5, resolution: 96 } as const;
const bytes = writeSafetensors(seededStateDict(resolveArch(SMALL), 5));
// A fixed input (features() takes preprocessed tensors as classify() does).
const input = { data: new Float32Array(3 * 96 * 96).map((_, i) => Math.sin(i) * 0.5), dims: [1, 3, 96, 96] };

describe('features() after the weights are gone', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'effnet-features-'));
  const models: EfficientNet[] = [];
  afterAll(() => {
    for (const m of models) m.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const load = async (weights: string | Uint8Array): Promise<EfficientNet> => {
    const model = await EfficientNet.load({ variant: SMALL, weights });
    models.push(model);
    return model;
  };

  it('works after the weight file is deleted, and equals a model that still has it', async () => {
    const file = path.join(dir, 'w.safetensors');
    writeFileSync(file, bytes);
    const reference = await load(Uint8Array.from(bytes));
    const model = await load(file);
    rmSync(file);
    const [got] = await model.features(input, { stages: [7] });
    const [want] = await reference.features(input, { stages: [7] });
    expect(got.dims).toEqual(want.dims);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });

  it('works after the caller overwrites the weight buffer', async () => {
    const buffer = Uint8Array.from(bytes);
    const model = await load(buffer);
    const before = await model.embed(input);
    buffer.fill(0);
    const maps = await model.features(input, { stages: [0, 7] });
    expect(maps.map((f) => f.stage)).toEqual([0, 7]);
    // The last stage map pooled through the head is what embed() saw: same weights, same plan.
    expect(maps[1].dims[0]).toBe(1);
    expect(Array.from((await model.embed(input)).data)).toEqual(Array.from(before.data));
  });
});
