#!/usr/bin/env node
// Queue throughput: `efficientnet worker` processes on one Redis (a redis-server started here on a
// free port, no persistence), JOBS classify jobs of four small test photos (paths), timed from
// the first enqueue to the last result, after every worker is ready. Configurations: 1 worker
// with the default threads, 2 workers x 1 thread, 2 workers with the default threads each.
// Seeded random B0 weights. Needs redis-server on PATH.
//
//   npm run build:ts && node bench/scale.mjs [--jobs 400]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { createProducer } = require('../dist/scale');
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { jobs: { type: 'string', default: '400' } } });
const jobs = Number(values.jobs);
const photos = ['chelsea-landscape.png', 'coffee-square.png', 'chelsea-exif8.png', 'coffee-exif6.jpg'].map((f) => path.join(root, 'test/fixtures/images', f));

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function waitFor(stream, text) {
  return new Promise((resolve, reject) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d;
      if (buf.includes(text)) resolve();
    });
    stream.on('end', () => reject(new Error(`ended before "${text}": ${buf.slice(-500)}`)));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'effnet-bench-redis-'));
const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
await waitFor(redis.stdout, 'Ready to accept connections');
const url = `redis://127.0.0.1:${port}`;

async function measure(workers, threads, queue) {
  const children = [];
  for (let i = 0; i < workers; i++) {
    const args = [path.join(root, 'dist/cli.js'), 'worker', '--redis', url, '--queue', queue, '--random', '-q', ...(threads ? ['--threads', String(threads)] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitFor(child.stderr, 'ready:');
    children.push(child);
  }
  const producer = createProducer({ redis: url, queue });
  const t0 = performance.now();
  let n = 0;
  for await (const item of producer.enqueueMany(Array.from({ length: jobs }, (_, i) => photos[i % photos.length]), { inFlight: 128 })) {
    if (item.error) throw item.error;
    n++;
  }
  const seconds = (performance.now() - t0) / 1000;
  await producer.close();
  await Promise.all(children.map((c) => new Promise((r) => { c.on('exit', r); c.kill('SIGTERM'); })));
  return n / seconds;
}

console.log(`${jobs} classify jobs (B0, 4 small photos by path), ${availableParallelism()} cores`);
console.log('| workers | threads each | images/s |');
console.log('|---|---|---|');
for (const [workers, threads] of [[1, undefined], [2, 1], [2, undefined]]) {
  const rate = await measure(workers, threads, `bench-${workers}-${threads ?? 'd'}`);
  console.log(`| ${workers} | ${threads ?? 'default (one per core)'} | ${rate.toFixed(1)} |`);
}
redis.kill('SIGTERM');
await new Promise((r) => redis.on('exit', r));
rmSync(dir, { recursive: true, force: true });
