// The BullMQ workers against a real redis-server: two worker processes over 500 jobs with one
// killed halfway (every job completes exactly once with the in-process answer), a bad image failing
// once without retries, the producer's input order, and the CLI's errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as BullMQ from 'bullmq';
import { EfficientNet, type Prediction } from '../../lib';
import { createProducer, startQueueWorker, type Producer } from '../../lib/scale';
import { cli } from '../helpers/cli';
import { redisServerBinary, startRedisServer, type RedisServer } from '../helpers/redis-server';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

// eslint-disable-next-line @typescript-eslint/no-require-imports
const bull = require('bullmq') as typeof BullMQ;
const CLI = path.join(__dirname, '../../dist/cli.js');
const FIXTURES = path.join(__dirname, '../fixtures/images');
const PHOTOS = ['chelsea-landscape.png', 'coffee-square.png', 'chelsea-exif8.png', 'coffee-exif6.jpg'].map((f) => path.join(FIXTURES, f));

const binary = redisServerBinary();

// A stage that has not finished in `ms` fails the test naming the stage (a stuck stage would
// otherwise show only as the whole test's timeout).
function within<T>(what: string | (() => string), ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${typeof what === 'string' ? what : what()}: not done after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('redis-server', () => {
  // The queue tests need a real Redis: CI installs it (.ci/run), so there its absence fails; on a
  // machine without it the tests below are skipped (apt-get install redis-server to run them).
  it('is installed where CI runs', () => {
    if (process.env.CI) expect(binary, 'redis-server on PATH').toBeDefined();
  });
});

describe.skipIf(binary === undefined)('queue workers on Redis', () => {
  let redis: RedisServer;
  let model: EfficientNet;
  const expected = new Map<string, Prediction[]>();

  beforeAll(async () => {
    redis = await startRedisServer(binary!);
    // The same seeded random B0 as `--random` in the workers.
    model = await EfficientNet.load({ variant: 'b0' });
    for (const p of PHOTOS) expected.set(p, (await model.classify(p))[0]!);
  });
  afterAll(async () => {
    model?.dispose();
    await redis?.stop();
  });

  function sameAnswer(got: Prediction[], want: Prediction[]): void {
    expect(got.map((p) => p.index)).toEqual(want.map((p) => p.index));
    got.forEach((p, i) => expect(Math.abs(p.probability - want[i]!.probability)).toBeLessThan(1e-6));
  }

  interface WorkerProcess {
    child: ChildProcess;
    exited: Promise<number | null>;
    /** Where it stands, for a stage's timeout message: running or how it exited, and its stderr's end. */
    state(): string;
  }

  function startWorkerProcess(queue: string): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [CLI, 'worker', '--redis', redis.url, '--queue', queue, '--random', '--lock-duration', '2000', '--concurrency', '8', '-q'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let exit = 'running';
    const exited = new Promise<number | null>((r) =>
      child.on('exit', (code, signal) => {
        exit = `exited (code ${code}, signal ${signal})`;
        r(code);
      }),
    );
    let err = '';
    const state = (): string => `pid ${child.pid} ${exit}, stderr: ${JSON.stringify(err.slice(-400))}`;
    return new Promise((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('ready:')) resolve({ child, exited, state });
      });
      void exited.then((code) => reject(new Error(`worker exited ${code}: ${err}`)));
    });
  }

  it('2 worker processes, 500 jobs, one killed halfway: every job completes once, with the right answer', async () => {
    const queueName = 'kill-test';
    const events = new bull.QueueEvents(queueName, { connection: { host: '127.0.0.1', port: redis.port } });
    await events.waitUntilReady();
    const completions = new Map<string, number>();
    let stalled = 0;
    events.on('completed', ({ jobId }) => completions.set(jobId, (completions.get(jobId) ?? 0) + 1));
    events.on('stalled', () => stalled++);
    const a = await startWorkerProcess(queueName);
    const b = await startWorkerProcess(queueName);
    const producer = createProducer({ redis: redis.url, queue: queueName });
    try {
      const jobs = await Promise.all(Array.from({ length: 500 }, (_, i) => producer.enqueueClassify(PHOTOS[i % PHOTOS.length]!)));
      let done = 0;
      let killed = false;
      // On a timeout, say how far it got and what became of each worker (a hang seen once in a
      // full suite run on a loaded machine; alone it takes ~5 s).
      const progress = (): string =>
        `500 results (${done} back, ${completions.size} completed events, ${stalled} stalled; ` +
        `worker a ${a.state()}; worker b ${b.state()})`;
      const results = await within(progress, 150_000, Promise.all(
        jobs.map(async (job, i) => {
          const r = await producer.result(job);
          if (++done === 250 && !killed) {
            killed = true;
            a.child.kill('SIGKILL');
          }
          return [i, r] as const;
        }),
      ));
      expect(killed).toBe(true);
      for (const [i, r] of results) sameAnswer(r.predictions, expected.get(PHOTOS[i % PHOTOS.length]!)!);
      // Every job completed exactly once, none failed; the killed worker's jobs came back (stalled).
      await within(() => `completed events (${completions.size} of 500 arrived)`, 60_000, new Promise<void>((resolve) => {
        const check = (): void => (completions.size >= 500 ? resolve() : void events.once('completed', check));
        check();
      }));
      expect(completions.size).toBe(500);
      expect([...completions.values()].every((n) => n === 1)).toBe(true);
      expect(stalled).toBeGreaterThan(0);
      const queue = new bull.Queue(queueName, { connection: { host: '127.0.0.1', port: redis.port } });
      expect(await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed')).toEqual({ completed: 500, failed: 0, active: 0, wait: 0, delayed: 0 });
      await queue.close();
      expect(await a.exited).toBe(null); // killed by the signal
      b.child.kill('SIGTERM');
      expect(await within('the second worker exiting on SIGTERM', 60_000, b.exited)).toBe(0);
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
      await producer.close();
      await events.close();
    }
  });

  describe('with an in-process worker', () => {
    let producer: Producer;
    let worker: Awaited<ReturnType<typeof startQueueWorker>>;
    let web: Server;
    let webUrl = '';
    const queueName = 'api-test';

    beforeAll(async () => {
      worker = await startQueueWorker({ redis: redis.url, queue: queueName, model, concurrency: 4, lockDurationMs: 5000 });
      producer = createProducer({ redis: redis.url, queue: queueName });
      const photo = readFileSync(PHOTOS[1]!);
      web = createServer((req, res) => {
        if (req.url === '/coffee.png') res.writeHead(200, { 'content-type': 'image/png' }).end(photo);
        else res.writeHead(404).end();
      });
      await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
      webUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      await producer?.close();
      await worker?.close();
      await new Promise((r) => web?.close(r));
    });

    it('a bad image fails once, with its code, without retries', async () => {
      const job = await producer.enqueueClassify(Buffer.from('not an image at all'));
      const error = await producer.result(job).then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
      expect(error?.code).toBe('ERR_JOB_FAILED');
      expect(error?.message).toContain('ERR_IMAGE_DECODE');
      const stored = await bull.Job.fromId(new bull.Queue(queueName, { connection: { host: '127.0.0.1', port: redis.port } }), job.id!);
      expect(stored!.attemptsMade).toBe(1);
      expect(stored!.opts.attempts).toBe(3);
      expect(await stored!.getState()).toBe('failed');
      expect(stored!.failedReason).toMatch(/^ERR_IMAGE_DECODE: /);
    });

    it('enqueueMany: paths, bytes and URLs, results in input order, a failure as its own item', async () => {
      const images = [
        PHOTOS[0]!,
        readFileSync(PHOTOS[2]!),
        `${webUrl}/coffee.png`,
        path.join(FIXTURES, 'no-such-photo.png'),
        `${webUrl}/missing.png`,
        ...Array.from({ length: 15 }, (_, i) => PHOTOS[i % PHOTOS.length]!),
      ];
      const want = [PHOTOS[0], PHOTOS[2], PHOTOS[1], undefined, undefined, ...Array.from({ length: 15 }, (_, i) => PHOTOS[i % PHOTOS.length])];
      const items = [];
      for await (const item of producer.enqueueMany(images, { inFlight: 4, top: 5 })) items.push(item);
      expect(items.map((it) => it.index)).toEqual(images.map((_, i) => i));
      items.forEach((item, i) => {
        if (want[i] === undefined) return;
        expect(item.error, `item ${i}`).toBeUndefined();
        sameAnswer(item.result!.predictions, expected.get(want[i]!)!);
      });
      expect(items[3]!.error!.message).toContain('ERR_IMAGE_NOT_FOUND');
      expect(items[4]!.error!.message).toContain('ERR_IMAGE_NOT_FOUND');
    });

    it('embed jobs return the pooled features', async () => {
      const job = await producer.enqueueEmbed(PHOTOS[0]!);
      const r = await producer.result(job);
      expect(r.dims).toEqual([1280]);
      const local = (await model.embed(PHOTOS[0]!)).data;
      r.embedding.forEach((v, i) => expect(Math.abs(v - local[i]!)).toBeLessThan(1e-4));
    });
  });

  it('CLI: usage errors exit 2, an unreachable Redis exits 1 with its code', () => {
    for (const args of [
      ['--queue', 'q'],
      ['--redis', redis.url],
      ['--redis', 'http://x', '--queue', 'q'],
      ['--redis', redis.url, '--queue', 'a:b'],
      ['--redis', redis.url, '--queue', 'q', '--concurrency', '0'],
      ['--redis', redis.url, '--queue', 'q', '--lock-duration', '10'],
      ['--redis', redis.url, '--queue', 'q', '--model', 'b9'],
    ]) {
      const r = cli(['worker', '--random', ...args]);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
    }
    const r = cli(['worker', '--random', '--redis', 'redis://127.0.0.1:1', '--queue', 'q', '--connect-timeout', '2000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_REDIS_UNAVAILABLE');
    expect(r.stderr).toContain('redis://127.0.0.1:1');
  });
});
