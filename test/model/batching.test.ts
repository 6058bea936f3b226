// Dynamic batching and streaming: the Batcher on its own (with a fake runner that records batch
// sizes), then through the model: concurrent classify() calls, and classifyMany() order, per-item
// errors, bounded window and early exit.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EfficientNet, type ClassifyManyItem } from '../../lib';
import { Batcher, resolveBatching } from '../../lib/model/batcher';

const IMAGES = path.join(__dirname, '..', 'fixtures/images');
const FILES = ['rocket-adobergb.jpg', 'coffee-square.png', 'chelsea-landscape.png', 'astronaut-portrait.png', 'coffee-exif6.jpg'].map(
  (f) => path.join(IMAGES, f),
);
const SMALL = { width: 0.5, depth: 0.5, resolution: 64 } as const;

// A runner that doubles each input value (1 float in, 1 float out per image) after `delayMs`. It
// copies its input before it returns, as BatchRunner requires (the core does the same).
function fakeRunner(delayMs: number, fail?: (input: Float32Array) => boolean) {
  const sizes: number[] = [];
  const run = async (batchInput: Float32Array, batch: number): Promise<Float32Array> => {
    const input = batchInput.slice();
    sizes.push(batch);
    await new Promise((r) => setTimeout(r, delayMs));
    if (fail?.(input)) throw new Error('boom');
    return input.map((v) => v * 2);
  };
  return { run, sizes };
}

describe('Batcher', () => {
  it('merges requests that arrive within maxWaitMs into one run, up to maxBatch', async () => {
    const { run, sizes } = fakeRunner(5);
    const b = new Batcher(run, 1, 1, { maxBatch: 4, maxWaitMs: 20 });
    const out = await Promise.all([1, 2, 3].map((v) => b.submit(Float32Array.of(v), 1)));
    expect(out.map((o) => o[0])).toEqual([2, 4, 6]);
    expect(sizes).toEqual([3]);
  });

  it('goes as soon as maxBatch images wait, queues while a run is busy and sends the queue right after', async () => {
    // Fake timers: the clock moves only when the test says so, so "did not wait maxWaitMs" is a
    // fact about the schedule, not about how busy the machine is.
    vi.useFakeTimers();
    try {
      const { run, sizes } = fakeRunner(30);
      const b = new Batcher(run, 1, 1, { maxBatch: 2, maxWaitMs: 1000 });
      let settled = false;
      const all = Promise.all([1, 2, 3, 4, 5].map((v) => b.submit(Float32Array.of(v), 1))).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(3 * 30); // three runs of 30 ms, far short of maxWaitMs
      expect(settled).toBe(true); // the last one left when the run ended, without waiting 1000 ms
      const out = await all;
      expect(out.map((o) => o[0])).toEqual([2, 4, 6, 8, 10]);
      expect(sizes).toEqual([2, 2, 1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('splits a request larger than maxBatch across runs and reassembles it in order', async () => {
    const { run, sizes } = fakeRunner(1);
    // 2 floats in per image, 1 out: hand the fake runner every other float.
    const batcher = new Batcher(async (input, batch) => (await run(input.filter((_, i) => i % 2 === 0), batch)), 2, 1, {
      maxBatch: 3,
      maxWaitMs: 0,
    });
    const input = Float32Array.from({ length: 14 }, (_, i) => i); // 7 images
    const out = await batcher.submit(input, 7);
    expect(Array.from(out)).toEqual([0, 4, 8, 12, 16, 20, 24]);
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('rejects only the requests of a failed run; later runs go on', async () => {
    const { run } = fakeRunner(5, (input) => input.includes(-1));
    const b = new Batcher(run, 1, 1, { maxBatch: 2, maxWaitMs: 0 });
    const results = await Promise.allSettled([b.submit(Float32Array.of(-1), 1), b.submit(Float32Array.of(1), 1), b.submit(Float32Array.of(2), 1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });

  it('validates its options', () => {
    expect(resolveBatching(undefined, 'b')).toEqual({ maxBatch: 8, maxWaitMs: 2 });
    expect(resolveBatching(false, 'b')).toBeNull();
    expect(() => resolveBatching({ maxBatch: 0 }, 'b')).toThrow(RangeError);
    expect(() => resolveBatching({ maxWait: 1 }, 'b')).toThrow(/only maxBatch, maxWaitMs/);
  });
});

describe('batched classification through the model', () => {
  let batched: EfficientNet;
  let unbatched: EfficientNet;
  beforeAll(async () => {
    [batched, unbatched] = await Promise.all([
      EfficientNet.load({ variant: SMALL, seed: 3, batching: { maxBatch: 4, maxWaitMs: 5 } }),
      EfficientNet.load({ variant: SMALL, seed: 3, batching: false }),
    ]);
  });
  afterAll(() => {
    batched.dispose();
    unbatched.dispose();
  });

  it('gives every concurrent caller its own answer, as an unbatched model would', async () => {
    const calls = [...FILES, ...FILES].map((f, i) => (i % 3 === 0 ? [f, FILES[(i + 1) % FILES.length]] : f));
    const [a, b] = await Promise.all([
      Promise.all(calls.map((c) => batched.classify(c, { topK: 3 }))),
      Promise.all(calls.map((c) => unbatched.classify(c, { topK: 3 }))),
    ]);
    a.forEach((perCall, i) =>
      perCall.forEach((top, j) => {
        expect(top.map((p) => p.index)).toEqual(b[i][j].map((p) => p.index));
        top.forEach((p, k) => expect(p.probability).toBeCloseTo(b[i][j][k].probability, 4));
      }),
    );
  });

  it('reuses input buffers from call to call without mixing answers, bad images included', async () => {
    const bad = readFileSync(FILES[0]).subarray(0, 500);
    const solo = await unbatched.classify(FILES, { topK: 3 });
    const soloEmbed = await unbatched.embed(FILES);
    const width = soloEmbed.dims[1];
    // Waves of concurrent one-image calls: each wave takes the buffers the last one gave back.
    for (let wave = 0; wave < 4; wave++) {
      const order = FILES.map((_, i) => (i + wave) % FILES.length);
      const [tops, embeds, failed] = await Promise.all([
        Promise.all(order.map((i) => batched.classify(FILES[i], { topK: 3 }))),
        Promise.all(order.map((i) => batched.embed(FILES[i]))),
        batched.classify(bad).then(() => 'ok', (e: { code: string }) => e.code),
      ]);
      expect(failed).toBe('ERR_IMAGE_DECODE');
      order.forEach((i, j) => {
        expect(tops[j][0].map((p) => p.index)).toEqual(solo[i].map((p) => p.index));
        tops[j][0].forEach((p, k) => expect(p.probability).toBeCloseTo(solo[i][k].probability, 4));
        const row = soloEmbed.data.subarray(i * width, (i + 1) * width);
        embeds[j].data.forEach((v, k) => expect(v).toBeCloseTo(row[k], 4));
      });
    }
  });

  it('classifyMany yields in input order, reports bad images per item, and keeps going', async () => {
    const truncated = readFileSync(FILES[0]).subarray(0, 500);
    const sources = [FILES[0], path.join(IMAGES, 'missing.jpg'), FILES[1], truncated, Buffer.alloc(0), FILES[2], ...FILES];
    const items: ClassifyManyItem[] = [];
    for await (const item of batched.classifyMany(sources, { topK: 2, concurrency: 3 })) items.push(item);
    expect(items.map((i) => i.index)).toEqual(sources.map((_, i) => i));
    expect(items.map((i) => i.error?.code ?? 'ok')).toEqual([
      'ok', 'ERR_IMAGE_NOT_FOUND', 'ok', 'ERR_IMAGE_DECODE', 'ERR_IMAGE_DECODE', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok',
    ]);
    const direct = await unbatched.classify(FILES, { topK: 2 });
    items.slice(6).forEach((item, i) => expect(item.result!.map((p) => p.index)).toEqual(direct[i].map((p) => p.index)));
    expect(items[1].source).toBe(sources[1]);
  });

  it('classifyMany pulls at most `concurrency` items ahead of the consumer and stops the source on break', async () => {
    let pulled = 0;
    let yielded = 0;
    let maxAhead = 0;
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          maxAhead = Math.max(maxAhead, pulled - yielded);
          yield FILES[i % FILES.length];
        }
      } finally {
        closed = true;
      }
    }
    for await (const item of batched.classifyMany(source(), { concurrency: 4, topK: 1 })) {
      expect(item.error).toBeUndefined();
      if (++yielded === 10) break;
    }
    expect(maxAhead).toBeLessThanOrEqual(4 + 1);
    expect(pulled).toBeLessThan(20);
    expect(closed).toBe(true);
  });

  it('classifyMany rejects bad options at the call and non-image items when it meets them', async () => {
    expect(() => batched.classifyMany(FILES, { concurrency: 0 })).toThrow(RangeError);
    expect(() => batched.classifyMany(42 as never)).toThrow(/an iterable/);
    const it = batched.classifyMany([FILES[0], 42 as never])[Symbol.asyncIterator]();
    expect((await it.next()).value.result).toHaveLength(5);
    await expect(it.next()).rejects.toThrow(TypeError);
  });
});
