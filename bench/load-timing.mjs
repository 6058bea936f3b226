#!/usr/bin/env node
// Timings that used to be asserted in unit tests, measured here instead (a unit test must not
// depend on how busy the machine is): making B7's seeded weights, the load-time value scan
// (NaN/Inf weights, negative running_var) over B0- and B7-sized weights, and how soon the dynamic
// batcher sends a request that arrived while a run was busy (it must leave when the run ends, not
// after maxWaitMs). Run after `npm run build:ts`: `node bench/load-timing.mjs`. Medians of 7.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { archForVariant } = require('../dist/arch');
const { seededStateDict } = require('../dist/weights');
const { checkValues } = require('../dist/weights/fold');
const { Batcher } = require('../dist/batcher');

async function median(fn, runs = 7) {
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}

const rows = [];
rows.push(['seeded B7 weights (66.3M params)', await median(() => seededStateDict(archForVariant('b7'), 1), 3)]);
for (const variant of ['b0', 'b7']) {
  const tensors = [...seededStateDict(archForVariant(variant), 1)].map(([name, t]) => [name, t.data]).filter(([, d]) => d instanceof Float32Array);
  const params = tensors.reduce((n, [, d]) => n + d.length, 0);
  rows.push([`value scan, ${variant} (${(params / 1e6).toFixed(1)}M values, ${tensors.length} tensors)`,
    await median(() => { for (const [name, d] of tensors) checkValues(name, d); })]);
}
// 5 requests, maxBatch 2, runs of 30 ms, maxWaitMs 1000: the last request leaves when the second
// run ends, so the whole thing takes about 3 runs (90 ms), never 1000 ms more.
rows.push(['batcher: 5 requests, 3 runs of 30 ms (maxWaitMs 1000)', await median(async () => {
  const run = async (input) => { await new Promise((r) => setTimeout(r, 30)); return input.map((v) => v * 2); };
  const b = new Batcher(run, 1, 1, { maxBatch: 2, maxWaitMs: 1000 });
  await Promise.all([1, 2, 3, 4, 5].map((v) => b.submit(Float32Array.of(v), 1)));
})]);
const width = Math.max(...rows.map(([n]) => n.length));
for (const [name, ms] of rows) console.log(`${name.padEnd(width)}  ${ms.toFixed(1).padStart(8)} ms`);
