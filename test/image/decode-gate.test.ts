// The process-wide bound on images decoding at once.
import { describe, expect, it } from 'vitest';
import { DECODES_AT_ONCE, gateDecode } from '../../lib/image/decode-gate';

// A decode that finishes when the test says so.
function controlled() {
  let finish!: (ok: boolean) => void;
  const done = new Promise<boolean>((r) => (finish = r));
  return { finish, run: async () => ((await done) ? 'ok' : Promise.reject(new Error('bad image'))) };
}

describe('gateDecode', () => {
  it('runs at most DECODES_AT_ONCE at a time, the others in arrival order, and a failure frees its slot', async () => {
    expect(DECODES_AT_ONCE).toBeGreaterThanOrEqual(2);
    const n = DECODES_AT_ONCE + 3;
    const decodes = Array.from({ length: n }, controlled);
    const started: number[] = [];
    const results = decodes.map((d, i) =>
      gateDecode(() => {
        started.push(i);
        return d.run();
      }).catch((e: Error) => e.message),
    );
    const tick = () => new Promise((r) => setImmediate(r));
    await tick();
    expect(started).toEqual([...Array(DECODES_AT_ONCE).keys()]);
    decodes[1].finish(false); // a failing decode
    await tick();
    expect(started).toEqual([...Array(DECODES_AT_ONCE + 1).keys()]);
    decodes[0].finish(true);
    await tick();
    expect(started).toEqual([...Array(DECODES_AT_ONCE + 2).keys()]);
    decodes.forEach((d) => d.finish(true));
    await tick();
    expect(started).toEqual([...Array(n).keys()]);
    expect(await Promise.all(results)).toEqual(decodes.map((_, i) => (i === 1 ? 'bad image' : 'ok')));
  });
});
