/**
 * The producer side of the queue workers: add classify or embed jobs to a Redis queue and get
 * their results, one at a time or as a stream in input order with a bounded number in flight.
 */
import type * as BullMQ from 'bullmq';
import { EfficientNetError, checkNumber } from '../errors';
import { orderedWindow } from '../ordered-window';
import { queueTarget } from './connection';
import { probeRedis } from './probe';
import { imageRef, JOB_NAMES, type ClassifyResult, type EmbedResult, type ImageRef, type JobData } from './jobs';

/** Options of {@link createProducer}. */
export interface ProducerOptions {
  /** `redis://host:port[/db]` */
  redis: string;
  /** The queue's name (the workers' --queue). */
  queue: string;
  /**
   * Attempts per job (default 3): a job that fails for a passing reason (Redis, a URL that did not
   * answer) is retried with exponential backoff from 1 s; a bad image fails at once regardless.
   */
  attempts?: number;
  /** How long to wait for Redis before giving up, in ms (default 10000). */
  connectTimeoutMs?: number;
}

/** An image for a job: a path the workers can read, an http(s) URL, bytes, or an {@link ImageRef}. */
export type JobImage = string | Uint8Array | ImageRef;

/** One item of {@link Producer.enqueueMany}'s results, in input order. */
export type ManyItem<R> = { index: number; image: JobImage; result: R; error?: undefined } | { index: number; image: JobImage; error: EfficientNetError; result?: undefined };

/** A connection to one queue. */
export interface Producer {
  /** Adds a classify job. */
  enqueueClassify(image: JobImage, options?: { top?: number }): Promise<BullMQ.Job<JobData, ClassifyResult>>;
  /** Adds an embed job. */
  enqueueEmbed(image: JobImage): Promise<BullMQ.Job<JobData, EmbedResult>>;
  /**
   * Waits for a job's result.
   * @throws {EfficientNetError} ERR_JOB_FAILED with the job's failure reason (`CODE: message`)
   */
  result<R>(job: BullMQ.Job<JobData, R>): Promise<R>;
  /**
   * Classifies (or embeds) a stream of images through the queue: at most `inFlight` jobs (default
   * 64) are waiting or running at once, and results come out in input order, a failed job as an
   * item with `error` (the others carry on).
   */
  enqueueMany(
    images: Iterable<JobImage> | AsyncIterable<JobImage>,
    options?: { kind?: 'classify'; top?: number; inFlight?: number },
  ): AsyncIterable<ManyItem<ClassifyResult>>;
  enqueueMany(
    images: Iterable<JobImage> | AsyncIterable<JobImage>,
    options: { kind: 'embed'; inFlight?: number },
  ): AsyncIterable<ManyItem<EmbedResult>>;
  /** Closes the connections. */
  close(): Promise<void>;
}

/**
 * Connects to a queue.
 * @throws {TypeError | RangeError} for bad options
 * @throws {EfficientNetError} ERR_MISSING_DEPENDENCY without bullmq
 */
export function createProducer(options: ProducerOptions): Producer {
  const { connection, connectTimeoutMs: connectTimeout, bull } = queueTarget(options);
  const attempts = checkNumber('options.attempts', options.attempts ?? 3, 1, 100, true);
  const queue = new bull.Queue<JobData>(options.queue, { connection });
  const events = new bull.QueueEvents(options.queue, { connection });
  // Every add() in flight waits on the connection with a listener of its own: enqueueMany keeps
  // up to inFlight of them, which is the design, not a leak.
  queue.setMaxListeners(0);
  queue.on('error', () => undefined); // a lasting outage surfaces as the probe's or a call's error
  events.on('error', () => undefined);
  let ready: Promise<void> | undefined;
  const connected = (): Promise<void> =>
    (ready ??= probeRedis(options.redis, connection, connectTimeout).then(() => Promise.all([queue.waitUntilReady(), events.waitUntilReady()])).then(() => undefined));
  const jobOptions = {
    attempts,
    backoff: { type: 'exponential', delay: 1000 },
    // Results stay an hour (for result() and dashboards), failures a day.
    removeOnComplete: { age: 3600 },
    removeOnFail: { age: 24 * 3600 },
  };

  const add = async <R>(data: JobData): Promise<BullMQ.Job<JobData, R>> => {
    await connected();
    return (await queue.add(JOB_NAMES[data.kind], data, jobOptions)) as BullMQ.Job<JobData, R>;
  };
  const classifyData = (image: JobImage, top: number | undefined): JobData => ({
    kind: 'classify',
    image: imageRef(image),
    ...(top === undefined ? {} : { top: checkNumber('options.top', top, 1, 100_000, true) }),
  });
  const result = async <R>(job: BullMQ.Job<JobData, R>): Promise<R> => {
    try {
      return (await job.waitUntilFinished(events)) as R;
    } catch (err) {
      throw new EfficientNetError('ERR_JOB_FAILED', `job ${job.id}: ${(err as Error).message}`, { cause: err });
    }
  };

  const producer: Producer = {
    enqueueClassify: (image, o = {}) => add(classifyData(image, o.top)),
    enqueueEmbed: (image) => add({ kind: 'embed', image: imageRef(image) }),
    result,
    enqueueMany(images: Iterable<JobImage> | AsyncIterable<JobImage>, o: { kind?: 'classify' | 'embed'; top?: number; inFlight?: number } = {}) {
      const inFlight = checkNumber('options.inFlight', o.inFlight ?? 64, 1, 100_000, true);
      const one = async (image: JobImage, index: number): Promise<ManyItem<never>> => {
        const job = await add(o.kind === 'embed' ? { kind: 'embed', image: imageRef(image) } : classifyData(image, o.top));
        try {
          return { index, image, result: (await result(job)) as never };
        } catch (err) {
          return { index, image, error: err as EfficientNetError };
        }
      };
      return orderedWindow(images, inFlight, one);
    },
    async close() {
      await Promise.all([queue.close(), events.close()]);
    },
  };
  return producer;
}
