// The one-image buffer pool: what it keeps, for whom, and how much.
import { describe, expect, it } from 'vitest';
import { InputPool } from '../../lib/model/input-pool';

describe('InputPool', () => {
  it('hands back what it was given, and fresh buffers when empty', () => {
    const pool = new InputPool(12, 4);
    const a = pool.take();
    expect(a).toHaveLength(12);
    expect(pool.take()).not.toBe(a);
    pool.give(a);
    expect(pool.take()).toBe(a);
  });

  it('keeps at most `wanted` buffers, and drops those of another size', () => {
    const pool = new InputPool(12, 2);
    const bufs = [pool.take(), pool.take(), pool.take()];
    bufs.forEach((b) => pool.give(b));
    pool.give(new Float32Array(5));
    const again = [pool.take(), pool.take(), pool.take()];
    expect(again.filter((b) => bufs.includes(b))).toHaveLength(2);
    expect(again.every((b) => b.length === 12)).toBe(true);
  });

  it('caps the bytes it keeps (32 MiB) whatever `wanted` says, and clear() lets go', () => {
    const floats = 3 * 600 * 600; // B7's input: 4.3 MB
    const pool = new InputPool(floats, 100);
    const bufs = Array.from({ length: 10 }, () => pool.take());
    bufs.forEach((b) => pool.give(b));
    const kept = Array.from({ length: 10 }, () => pool.take()).filter((b) => bufs.includes(b));
    expect(kept).toHaveLength(Math.floor((32 * 1024 * 1024) / (floats * 4)));
    kept.forEach((b) => pool.give(b));
    pool.clear();
    expect(bufs).not.toContain(pool.take());
  });
});
