#!/usr/bin/env node
// `npm run stress`: the long checks that do not belong in the test suite (minutes, not seconds).
// Four phases on one model (default B0 with seeded random weights, batch 1):
//   runs        N sequential runs (default 10,000), RSS sampled after a GC every 1000: growth per
//               1000 runs after the first 1000 (warm-up)
//   concurrent  1000 run() calls at once on 8 distinct inputs: every result equal to the
//               sequential result of its input; peak RSS over the idle model
//   lifecycle   200 load/run/dispose cycles: RSS growth after a GC, per 100 cycles
//   workers     worker churn: workers one after another load the model, queue 16 runs and are
//               terminated mid-run (the main thread running throughout); terminate() latency,
//               RSS growth, and the main thread's results still exact
// Prints a markdown table (and JSON with --json <file>). A crash, a mismatch or a thrown error
// exits non-zero. Usage: node --expose-gc tools/stress.mjs [--variant b0] [--runs 10000]
//   [--concurrent 1000] [--cycles 200] [--workers 100] [--json out.json]
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { EfficientNet, writeSafetensors, seededStateDict, resolveArch } = require('../dist/index.js');
const { seededImageBatch } = require('../dist/random.js');

const MiB = 2 ** 20;
const gc = () => { for (let i = 0; i < 3; i++) globalThis.gc?.(); };
const rss = () => { gc(); return process.memoryUsage().rss / MiB; };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

function args() {
  const o = { variant: 'b0', runs: 10_000, concurrent: 1000, cycles: 200, workers: 100, json: undefined };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`);
    o[key] = key === 'variant' || key === 'json' ? argv[i + 1] : Number(argv[i + 1]);
  }
  return o;
}

async function runs(model, x, n) {
  const samples = [];
  for (let i = 1; i <= n; i++) {
    await model.run(x);
    if (i % 1000 === 0) samples.push(rss());
  }
  // Growth per 1000 runs after the first 1000 (allocator and arena warm-up).
  const perThousand = samples.length > 1 ? (samples.at(-1) - samples[0]) / (samples.length - 1) : NaN;
  return { runs: n, rssMiB: samples.map((v) => +v.toFixed(1)), growthMiBPer1000: perThousand };
}

async function concurrent(model, resolution, n) {
  const inputs = Array.from({ length: 8 }, (_, i) => seededImageBatch(1, resolution, 100 + i));
  const expected = [];
  for (const x of inputs) expected.push(Array.from((await model.run(x)).data));
  const base = rss();
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss / MiB); }, 5);
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: n }, (_, i) => model.run(inputs[i % inputs.length])));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss / MiB);
  const mismatches = results.filter((t, i) => !same(t.data, expected[i % inputs.length])).length;
  return { calls: n, queueMax: model.queue.max, mismatches, peakGrowthMiB: peak - base, seconds };
}

async function lifecycle(variant, weights, x, n) {
  const cycle = async () => {
    const m = await EfficientNet.load({ variant, weights });
    await m.run(x);
    m.dispose();
  };
  for (let i = 0; i < Math.min(20, n); i++) await cycle(); // warm-up
  const before = rss();
  for (let i = 0; i < n; i++) await cycle();
  const growth = rss() - before;
  return { cycles: n, growthMiB: growth, growthMiBPer100: (growth / n) * 100 };
}

async function workers(model, x, variant, weights, n) {
  let stop = false;
  const background = (async () => { while (!stop) await model.run(x); })();
  const expected = Array.from((await model.run(x)).data);
  const spawn = () => new Worker(new URL(import.meta.url), { workerData: { variant, weights } });
  const cycle = async () => {
    const worker = spawn();
    await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    const t0 = performance.now();
    await worker.terminate();
    return performance.now() - t0;
  };
  for (let i = 0; i < Math.min(5, n); i++) await cycle(); // warm-up
  const before = rss();
  const latencies = [];
  for (let i = 0; i < n; i++) latencies.push(await cycle());
  const growth = rss() - before;
  stop = true;
  await background;
  const exact = same((await model.run(x)).data, expected);
  return { workers: n, terminateMsMedian: median(latencies), terminateMsMax: Math.max(...latencies), growthMiB: growth, mainStillExact: exact };
}

async function workerMain() {
  const { variant, weights } = workerData;
  const model = await EfficientNet.load({ variant, weights });
  const x = seededImageBatch(1, model.resolution, 1);
  for (let i = 0; i < 16; i++) model.run(x).catch(() => {});
  parentPort.postMessage('queued');
}

async function main() {
  if (!globalThis.gc) throw new Error('run with node --expose-gc (npm run stress does)');
  const o = args();
  const weights = writeSafetensors(seededStateDict(resolveArch(o.variant), 1));
  const model = await EfficientNet.load({ variant: o.variant, weights });
  const x = seededImageBatch(1, model.resolution, 1);
  const started = performance.now();
  const report = { variant: o.variant, kernels: model.kernels, threads: model.threads, node: process.version };
  const phase = async (name, fn) => {
    const t0 = performance.now();
    report[name] = await fn();
    report[name].phaseSeconds = (performance.now() - t0) / 1000;
    console.error(`${name}: ${JSON.stringify(report[name])}`);
  };
  await phase('runs', () => runs(model, x, o.runs));
  await phase('concurrent', () => concurrent(model, model.resolution, o.concurrent));
  await phase('lifecycle', () => lifecycle(o.variant, weights, x, o.cycles));
  await phase('workers', () => workers(model, x, o.variant, weights, o.workers));
  report.totalSeconds = (performance.now() - started) / 1000;
  model.dispose();

  const f = (v, d = 2) => v.toFixed(d);
  const { runs: r, concurrent: c, lifecycle: l, workers: w } = report;
  console.log(`stress: ${o.variant}, ${model.kernels ?? report.kernels} kernels, ${report.threads} threads, ${process.version}, ${f(report.totalSeconds, 0)} s`);
  console.log('| phase | what | result |');
  console.log('|---|---|---|');
  console.log(`| runs | ${r.runs} sequential runs, RSS after GC every 1000 | ${f(r.growthMiBPer1000, 3)} MiB per 1000 runs after the first 1000 (${r.rssMiB[0]} → ${r.rssMiB.at(-1)} MiB) |`);
  console.log(`| concurrent | ${c.calls} run() calls at once (queue.max ${c.queueMax}) | ${c.mismatches} results differ from sequential; peak RSS +${f(c.peakGrowthMiB, 1)} MiB; ${f(c.seconds, 1)} s |`);
  console.log(`| lifecycle | ${l.cycles} load/run/dispose cycles | RSS ${l.growthMiB >= 0 ? '+' : ''}${f(l.growthMiB, 1)} MiB (${f(l.growthMiBPer100, 2)} MiB per 100) |`);
  console.log(`| workers | ${w.workers} workers terminated with 16 runs queued | terminate() median ${f(w.terminateMsMedian, 1)} ms, max ${f(w.terminateMsMax, 1)} ms; RSS ${w.growthMiB >= 0 ? '+' : ''}${f(w.growthMiB, 1)} MiB; main thread exact: ${w.mainStillExact} |`);
  if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
  if (c.mismatches !== 0 || !w.mainStillExact) {
    console.error('stress: FAILED (results differ)');
    process.exit(1);
  }
}

if (isMainThread) {
  main().catch((e) => { console.error(e); process.exit(1); });
} else {
  workerMain();
}
