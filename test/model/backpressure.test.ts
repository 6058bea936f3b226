// Backpressure: the queue option (validation and defaults), QueueLimit on its own (slots handed
// out in arrival order, 'wait' vs 'reject'), the Batcher running at once when no request can join,
// then through the model: ERR_QUEUE_FULL beyond the bound, classifyMany waiting for slots, and
// 1000 concurrent run() calls staying within a bounded memory (in a child process).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EfficientNet, type ClassifyManyItem } from '../../lib';
import { Batcher } from '../../lib/model/batcher';
import { ERROR_CODES } from '../../lib/errors';
import { QueueLimit, defaultQueueMax, resolveQueue } from '../../lib/model/queue-limit';
import { seededImageBatch } from '../../lib/random';
import { runHelper } from '../helpers/child';
import { expectCode } from '../helpers/errors';

const SMALL = { width: 0.5, depth: 0.5, resolution: 64 } as const;
const PHOTO = path.join(__dirname, '..', 'fixtures/images/coffee-square.png');

// A function whose promise settles when the test says so.
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((r) => { open = r; });
  return { open, fn: async () => { await opened; return value; } };
}

describe('queue options', () => {
  it.each([
    [undefined, 8, { max: 16, whenFull: 'wait' }],
    [undefined, 32, { max: 64, whenFull: 'wait' }],
    [undefined, undefined, { max: 16, whenFull: 'wait' }],
    [{ max: 3 }, 8, { max: 3, whenFull: 'wait' }],
    [{ whenFull: 'reject' }, 8, { max: 16, whenFull: 'reject' }],
  ] as const)('%j with maxBatch %s resolves to %j', (value, maxBatch, expected) => {
    expect(resolveQueue(value, 'options.queue', maxBatch)).toEqual(expected);
    expect(defaultQueueMax(maxBatch)).toBe(maxBatch === 32 ? 64 : 16);
  });

  it.each([
    [{ max: 0 }, RangeError],
    [{ max: 1.5 }, RangeError],
    [{ max: 70000 }, RangeError],
    [{ max: '4' }, TypeError],
    [{ whenFull: 'drop' }, TypeError],
    [{ size: 4 }, TypeError],
    [4, RangeError],
    ['wait', TypeError],
  ])('rejects %j', (value, type) => {
    expect(() => resolveQueue(value, 'options.queue', 8)).toThrow(type);
  });

  it('ERR_QUEUE_FULL is a known code', () => {
    expect(ERROR_CODES).toContain('ERR_QUEUE_FULL');
  });
});

describe('QueueLimit', () => {
  it("'wait' holds at most max slots and hands them out in arrival order", async () => {
    const limit = new QueueLimit({ max: 2, whenFull: 'wait' });
    const gates = Array.from({ length: 5 }, (_, i) => gate(i));
    const started: number[] = [];
    const calls = gates.map((g, i) => limit.with(async () => { started.push(i); return g.fn(); }));
    expect(started).toEqual([0, 1]); // free slots start synchronously
    expect([limit.held, limit.waiting]).toEqual([2, 3]);
    gates[1].open();
    await calls[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect([limit.held, limit.waiting]).toEqual([2, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect([limit.held, limit.waiting]).toEqual([0, 0]);
  });

  it("'reject' refuses beyond max with ERR_QUEUE_FULL, and frees the slot of a failed call", async () => {
    const limit = new QueueLimit({ max: 1, whenFull: 'reject' });
    const first = limit.with(async () => { throw new Error('boom'); });
    await expectCode(limit.with(async () => 1), 'ERR_QUEUE_FULL', /queue\.max/);
    await expect(first).rejects.toThrow('boom');
    expect(limit.held).toBe(0);
    expect(await limit.with(async () => 2)).toBe(2);
  });

  it("'always' waits even when whenFull is 'reject'", async () => {
    const limit = new QueueLimit({ max: 1, whenFull: 'reject' });
    const g = gate('a');
    const first = limit.with(g.fn);
    const second = limit.with(async () => 'b', true);
    expect(limit.waiting).toBe(1);
    g.open();
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
  });
});

describe('Batcher and the bound', () => {
  it.each([
    [false, []],
    [true, [1]],
  ])('with every slot held = %s, a lone request starts at once: batches %j', (full, sizes) => {
    const seen: number[] = [];
    const batcher = new Batcher(
      async (input, batch) => { seen.push(batch); return input; },
      1, 1, { maxBatch: 8, maxWaitMs: 10_000 }, () => full,
    );
    void batcher.submit(new Float32Array([1]), 1).catch(() => {});
    expect(seen).toEqual(sizes);
  });
});

describe('through the model', () => {
  let model: EfficientNet;
  beforeAll(async () => {
    model = await EfficientNet.load({ variant: SMALL, queue: { max: 2, whenFull: 'reject' } });
  });
  afterAll(() => model.dispose());

  it('exposes the resolved queue options', () => {
    expect(model.queue).toEqual({ max: 2, whenFull: 'reject' });
  });

  it("run() beyond queue.max rejects with ERR_QUEUE_FULL; the others complete", async () => {
    const x = seededImageBatch(1, SMALL.resolution, 7);
    const calls = Array.from({ length: 5 }, () => model.run(x));
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    for (const s of settled.slice(2)) await expectCode(Promise.reject((s as PromiseRejectedResult).reason), 'ERR_QUEUE_FULL');
    expect((await model.run(x)).dims).toEqual([1, 1000]); // slots are free again
  });

  it('classify() over the bound rejects the same way', async () => {
    const x = seededImageBatch(1, SMALL.resolution, 8);
    const settled = await Promise.allSettled([model.classify(x), model.classify(x), model.classify(x)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  });

  it.each([2, 6])('classifyMany with a window of %i waits for slots instead of failing items', async (concurrency) => {
    const items: ClassifyManyItem[] = [];
    for await (const item of model.classifyMany(Array(6).fill(PHOTO), { concurrency, topK: 1 })) items.push(item);
    expect(items.map((i) => [i.index, i.error?.code])).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i, undefined]));
  });

  it("with whenFull 'wait', a lone batch under a full bound does not wait for company", async () => {
    const m = await EfficientNet.load({ variant: SMALL, batching: { maxBatch: 8, maxWaitMs: 10_000 }, queue: { max: 2 } });
    const x = seededImageBatch(1, SMALL.resolution, 9);
    // Two calls fill the bound: the batch must go without the 10 s wait (the test would time out).
    const out = await Promise.all([m.classify(x), m.classify(x)]);
    expect(out[0]).toEqual(out[1]);
    m.dispose();
  }, 5_000);
});

describe('1000 concurrent run() calls', () => {
  it('hold a bounded number of input copies, with results identical to a sequential run', () => {
    // Unbounded (queue.max 1000) the same calls grow RSS by ~760 MiB: one 588 KiB copy per call.
    const r = runHelper('concurrent-rss.cjs', ['bounded', '1000']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { queueMax: number; peakGrowthMiB: number; identical: boolean };
    console.log(`1000 concurrent runs, queue.max ${out.queueMax}: peak RSS growth ${out.peakGrowthMiB.toFixed(1)} MiB`);
    expect(out.identical).toBe(true);
    expect(out.peakGrowthMiB).toBeLessThan(200);
  });
});
