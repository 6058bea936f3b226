/**
 * Deterministic pseudo-random data for tests, benchmarks and the seeded init: the same seed gives
 * the same numbers on every platform (pure integer arithmetic, no Math.random).
 */

/**
 * Fills `out` with uniform values in [lo, hi) from mulberry32 (tiny, fast, good enough for test
 * data and weights; about 130 M values/s).
 */
export function fillUniform(out: Float32Array, seed: number, lo: number, hi: number): void {
  let a = seed >>> 0;
  const span = hi - lo;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = lo + span * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
}

/** FNV-1a of a string, mixed with the seed: one independent stream per name. */
export function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A batch of image-like inputs, NCHW float32, roughly normalized (mean ~0, std ~1): a few random
 * low-frequency waves per channel plus noise. Smooth structure matters: pure white noise
 * excites every class about equally, so a network that ignores its input could still look fine.
 *
 * @param batch - images
 * @param resolution - height and width
 * @param seed - an integer 0..2^32-1
 */
export function seededImageBatch(batch: number, resolution: number, seed: number): Float32Array {
  const hw = resolution * resolution;
  const out = new Float32Array(batch * 3 * hw);
  const params = new Float32Array(8);
  const noise = new Float32Array(hw);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < 3; c++) {
      const plane = out.subarray((n * 3 + c) * hw, (n * 3 + c + 1) * hw);
      fillUniform(params, streamSeed(seed, `image.${n}.${c}`), 0, 1);
      fillUniform(noise, streamSeed(seed, `noise.${n}.${c}`), -0.5, 0.5);
      const [fx1, fy1, ph1, fx2, fy2, ph2, offset, amp] = params;
      for (let y = 0; y < resolution; y++) {
        for (let x = 0; x < resolution; x++) {
          const u = x / resolution;
          const v = y / resolution;
          const wave =
            Math.sin(2 * Math.PI * (1 + 4 * fx1) * u + 6.28 * ph1) * Math.cos(2 * Math.PI * (1 + 4 * fy1) * v) +
            Math.sin(2 * Math.PI * ((1 + 6 * fx2) * u + (1 + 6 * fy2) * v) + 6.28 * ph2);
          plane[y * resolution + x] = (offset - 0.5) + (0.5 + amp) * wave + noise[y * resolution + x];
        }
      }
    }
  }
  return out;
}
