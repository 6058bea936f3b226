#!/usr/bin/env node
// The HTTP server under load next to the same model in process. First the in-process rate:
// CONNECTIONS callers each classifying the test photo in a loop through model.classify (the
// server's batching: maxBatch 8, maxWaitMs 2). Then `efficientnet serve` in its own process and
// autocannon with CONNECTIONS connections POSTing the photo to /v1/models/b0/classify. Both for
// SECONDS seconds after a 1 s warm-up; seeded random B0 weights (the speed is the same as with
// trained ones). The two alternate ROUNDS times (drift on the machine hits both); prints each
// round's p50/p99 latency and images/s, the medians and the per-round server/in-process ratios.
//
//   npm run build:ts && node bench/serve.mjs [--rounds 3] [--seconds 5] [--connections 64] [--variant b0] [--threads N]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { EfficientNet } = require('../dist');

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '64' }, variant: { type: 'string', default: 'b0' }, threads: { type: 'string' }, rounds: { type: 'string', default: '3' } } });
const threads = values.threads === undefined ? undefined : Number(values.threads);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const photo = readFileSync(path.join(root, 'test/fixtures/images/chelsea-landscape.png'));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function inProcess() {
  const model = await EfficientNet.load({ variant: values.variant, batching: { maxBatch: 8, maxWaitMs: 2 }, queue: { max: 256 }, threads });
  const latencies = [];
  let counting = false;
  let stop = false;
  const loop = async () => {
    while (!stop) {
      const t0 = performance.now();
      // A fresh copy per call, as each HTTP request brings its own bytes: libvips caches
      // operations on the same buffer, which would let the in-process side skip decoding.
      await model.classify(Buffer.from(photo), { topK: 5 });
      if (counting) latencies.push(performance.now() - t0);
    }
  };
  const loops = Array.from({ length: connections }, loop);
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  model.dispose();
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function overHttp() {
  const child = spawn(process.execPath, [path.join(root, 'dist/cli.js'), 'serve', '--random', '-q', '--port', '0', '--model', values.variant, ...(threads ? ['--threads', String(threads)] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const request = { method: 'POST', headers: { 'content-type': 'image/png' }, body: photo };
  const target = `${url}/v1/models/${values.variant}/classify`;
  await autocannon({ url: target, connections, duration: 1, ...request });
  const cpu0 = process.cpuUsage();
  const r = await autocannon({ url: target, connections, duration: seconds, ...request });
  const cpu = process.cpuUsage(cpu0);
  // The server's own count of merged runs by size: how well dynamic batching filled them.
  const metrics = await (await fetch(`${url}/metrics`)).text();
  let runs = 0;
  let images = 0;
  for (const m of metrics.matchAll(/efficientnet_batch_runs_total\{model="[^"]+",size="(\d+)"\} (\d+)/g)) {
    runs += Number(m[2]);
    images += Number(m[1]) * Number(m[2]);
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  // The load generator shares this machine's cores with the server: its CPU time is part of the gap.
  const clientCores = (cpu.user + cpu.system) / 1e6 / seconds;
  return { rate: r.requests.total / seconds, ok: r['2xx'], other: r.non2xx + r.errors + r.timeouts, p50: r.latency.p50, p99: r.latency.p99, clientCores, perRun: images / runs };
}

const local = [];
const http = [];
for (let r = 0; r < rounds; r++) {
  local.push(await inProcess());
  http.push(await overHttp());
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => x.toFixed(1);
const row = (name, x) => `| ${name} | ${fmt(x.rate)} | ${fmt(x.p50)} | ${fmt(x.p99)} |`;
console.log(`${values.variant}, ${threads ?? 'default'} compute threads, ${connections} concurrent, ${rounds} alternated rounds of ${seconds} s, one PNG photo (241x167), classify top-5`);
console.log('| round: path | images/s | p50 ms | p99 ms |');
console.log('|---|---|---|---|');
for (let r = 0; r < rounds; r++) {
  console.log(row(`${r + 1}: in process (model.classify)`, local[r]));
  console.log(row(`${r + 1}: HTTP (efficientnet serve + autocannon)`, http[r]));
}
const med = (list, key) => median(list.map((x) => x[key]));
console.log(row('median: in process', { rate: med(local, 'rate'), p50: med(local, 'p50'), p99: med(local, 'p99') }));
console.log(row('median: HTTP', { rate: med(http, 'rate'), p50: med(http, 'p50'), p99: med(http, 'p99') }));
const ratios = http.map((h, r) => h.rate / local[r].rate);
console.log(`server / in process: median rates ${(med(http, 'rate') / med(local, 'rate')).toFixed(2)}x, per round ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x`);
console.log(`server: ${(http.reduce((a, h) => a + h.perRun, 0) / rounds).toFixed(2)} images per native run on average (maxBatch 8); responses 2xx ${http.reduce((a, h) => a + h.ok, 0)}, other ${http.reduce((a, h) => a + h.other, 0)}; autocannon used ${Math.max(...http.map((h) => h.clientCores)).toFixed(2)} cores at most of this machine's ${require('node:os').availableParallelism()}`);
