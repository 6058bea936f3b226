/**
 * A BullMQ worker that classifies and embeds images: jobs from a Redis queue, results as the jobs'
 * return values. Concurrent jobs share native runs through the model's dynamic batching.
 *
 * Delivery: a job is held under a lock the worker renews while it runs; if the worker dies, the
 * lock expires and BullMQ's stalled-job check (in every other worker) puts the job back in the
 * queue, where another worker takes it. A job is therefore processed at least once and completed
 * once (BullMQ records one completion; the dead worker never completes its job). A job whose
 * image is bad (or whose data is not a job) fails at once, without retries: its failedReason is
 * `CODE: message`.
 */
import type * as BullMQ from 'bullmq';
import type { EfficientNet } from '../model/efficientnet';
import { EfficientNetError, checkNumber } from '../errors';
import { queueTarget } from './connection';
import { probeRedis } from './probe';
import { DEFAULT_FETCH_LIMITS, loadImage, TransientError, type FetchLimits } from './image-source';
import { checkJobData, type ClassifyResult, type EmbedResult } from './jobs';

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  /** `redis://host:port[/db]` */
  redis: string;
  /** The queue's name. */
  queue: string;
  /** The loaded model (not disposed by the worker). */
  model: EfficientNet;
  /** Jobs in flight at once (default 16: enough for batching to fill its runs). */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, in ms (default 30000): after a worker dies, its
   * jobs go back to the queue within about twice this. Shorter recovers sooner; it must stay well
   * above the worst pause of a live worker's event loop, or live jobs are taken for stalled.
   */
  lockDurationMs?: number;
  /** How long to wait for Redis at start before giving up, in ms (default 10000). */
  connectTimeoutMs?: number;
  /** Limits on fetching image URLs. */
  fetch?: Partial<FetchLimits>;
  /** The most pixels of an image (the decompression-bomb guard). */
  maxPixels?: number;
  /** Called on each job's end and on connection errors (for logs). */
  onEvent?: (event: WorkerEvent) => void;
}

/** What a worker reports. */
export type WorkerEvent =
  | { type: 'completed'; jobId: string; kind: string }
  | { type: 'failed'; jobId: string; reason: string; willRetry: boolean }
  | { type: 'stalled'; jobId: string }
  | { type: 'error'; message: string };

/** A running worker. */
export interface QueueWorker {
  /** Stops taking jobs, waits for the running ones to finish, disconnects. */
  close(): Promise<void>;
}

/** Codes of errors that no retry can fix: the image or the job itself is bad. */
const PERMANENT = new Set(['ERR_IMAGE_DECODE', 'ERR_IMAGE_TOO_LARGE', 'ERR_IMAGE_NOT_FOUND', 'ERR_INPUT_SHAPE', 'ERR_INPUT_DTYPE']);

/**
 * Connects to Redis and starts taking jobs.
 * @returns the worker, once Redis answered
 * @throws {TypeError | RangeError} for bad options
 * @throws {EfficientNetError} ERR_MISSING_DEPENDENCY without bullmq or ioredis;
 *   ERR_REDIS_UNAVAILABLE when Redis does not answer within connectTimeoutMs
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { connection, connectTimeoutMs: connectTimeout, bull } = queueTarget(options);
  const concurrency = checkNumber('options.concurrency', options.concurrency ?? 16, 1, 4096, true);
  const lockDuration = checkNumber('options.lockDurationMs', options.lockDurationMs ?? 30_000, 1000, 3_600_000, true);
  const fetchLimits = { ...DEFAULT_FETCH_LIMITS, ...options.fetch };
  const { model } = options;
  const emit = options.onEvent ?? (() => undefined);
  const preprocess = options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels };

  const processor = async (job: BullMQ.Job): Promise<ClassifyResult | EmbedResult> => {
    try {
      const data = checkJobData(job.data);
      const image = await loadImage(data.image, fetchLimits);
      if (data.kind === 'embed') {
        const t = await model.embed(image, { preprocess });
        return { dims: [t.data.length], embedding: Array.from(t.data) };
      }
      const [predictions] = await model.classify(image, { topK: data.top ?? 5, preprocess });
      return { predictions: predictions! };
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) throw new bull.UnrecoverableError(`ERR_BAD_JOB: ${err.message}`);
      if (err instanceof EfficientNetError && PERMANENT.has(err.code)) throw new bull.UnrecoverableError(`${err.code}: ${err.message}`);
      if (err instanceof EfficientNetError || err instanceof TransientError) throw new Error(`${err instanceof EfficientNetError ? err.code : 'ERR_TRANSIENT'}: ${err.message}`);
      throw err;
    }
  };

  await probeRedis(options.redis, connection, connectTimeout);
  const worker = new bull.Worker(options.queue, processor, {
    connection,
    concurrency,
    lockDuration,
    // Each worker checks for stalled jobs this often; a dead worker's job is back in the queue
    // between lockDuration and lockDuration + stalledInterval after its last renewal.
    stalledInterval: lockDuration,
    // A job stalled twice (two workers died on it) fails instead of taking a third one down.
    maxStalledCount: 2,
    autorun: false,
  });
  // While Redis is away the client retries every few ms, each time with the same error: report
  // a change, not every retry.
  let lastError = '';
  worker.on('error', (err) => {
    if (err.message === lastError) return;
    lastError = err.message;
    emit({ type: 'error', message: err.message });
  });
  worker.on('ready', () => (lastError = ''));
  worker.on('completed', (job) => emit({ type: 'completed', jobId: String(job.id), kind: String(job.name) }));
  worker.on('failed', (job, err) => {
    if (job === undefined) return;
    const willRetry = !(err instanceof bull.UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
    emit({ type: 'failed', jobId: String(job.id), reason: err.message, willRetry });
  });
  worker.on('stalled', (jobId) => emit({ type: 'stalled', jobId: String(jobId) }));

  void worker.run().catch((err: unknown) => emit({ type: 'error', message: (err as Error).message }));
  return {
    async close() {
      await worker.close();
    },
  };
}
