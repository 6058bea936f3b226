#!/usr/bin/env node
// The HTTP server under load next to the same model in process. First the in-process rate:
// CONNECTIONS callers each classifying the test photo in a loop through model.classify (the
// server's batching: maxBatch 8, maxWaitMs 2). Then `efficientnet serve` in its own process and
// autocannon with CONNECTIONS connections POSTing the photo to /v1/models/b0/classify. Both for
// SECONDS seconds after a 1 s warm-up; seeded random B0 weights (the speed is the same as with
// trained ones). Prints p50/p99 latency, images/s and the server/in-process ratio.
//
//   npm run build:ts && node bench/serve.mjs [--seconds 5] [--connections 64] [--variant b0] [--threads N]
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
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '64' }, variant: { type: 'string', default: 'b0' }, threads: { type: 'string' } } });
const threads = values.threads === undefined ? undefined : Number(values.threads);
const seconds = Number(values.seconds);
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

const local = await inProcess();
const http = await overHttp();
const fmt = (x) => x.toFixed(1);
console.log(`${values.variant}, ${threads ?? 'default'} compute threads, ${connections} concurrent, ${seconds} s, one PNG photo (241x167), classify top-5`);
console.log('| path | images/s | p50 ms | p99 ms |');
console.log('|---|---|---|---|');
console.log(`| in process (model.classify) | ${fmt(local.rate)} | ${fmt(local.p50)} | ${fmt(local.p99)} |`);
console.log(`| HTTP (efficientnet serve + autocannon) | ${fmt(http.rate)} | ${fmt(http.p50)} | ${fmt(http.p99)} |`);
console.log(`server: ${http.perRun.toFixed(2)} images per native run on average (maxBatch 8)`);
console.log(`server / in process: ${(http.rate / local.rate).toFixed(2)}x; responses 2xx ${http.ok}, other ${http.other}; autocannon used ${http.clientCores.toFixed(2)} cores of this machine's ${require('node:os').availableParallelism()}`);
