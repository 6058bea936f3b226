#!/usr/bin/env node
// How long one model.run() call holds the JS thread (the synchronous part: checking the input, the
// core's copy of it, queueing the job), per input layout: the time a server's event loop cannot
// spend on anything else per inference. B0, one 224 x 224 image, 300 calls each, median.
//
//   npm run build:ts && node bench/run-call.mjs
import { createRequire } from 'node:module';

const { EfficientNet } = createRequire(import.meta.url)('../dist');
const model = await EfficientNet.load({ variant: 'b0', threads: 2, batching: false });
const r = model.resolution;
const x = new Float32Array(3 * r * r).fill(0.2);
for (const layout of ['nchw', 'nhwc', 'nchw', 'nhwc']) { // twice, alternated
  const input = { data: x, dims: layout === 'nchw' ? [1, 3, r, r] : [1, r, r, 3] };
  const t = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    const pending = model.run(input, { layout });
    t.push(performance.now() - t0);
    await pending;
  }
  t.sort((a, b) => a - b);
  console.log(`${layout}: the call holds the JS thread ${(t[150] * 1000).toFixed(1)} us (median of 300)`);
}
