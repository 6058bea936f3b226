/**
 * Dynamic batching: concurrent requests that arrive within `maxWaitMs` of each other are merged
 * into one run of up to `maxBatch` images, and each request gets its own rows back.
 *
 * One batch runs at a time. While it runs, new requests queue up, and the moment it finishes the
 * queue goes out as the next batch (those requests have waited long enough already), so under load
 * batches fill up by themselves and the wait timer only matters when the model is idle. A request
 * larger than maxBatch is split across batches (bounding the arena the native core sizes per batch
 * size) and resolves when its last rows are back.
 *
 * The model's queue bound (lib/model/queue-limit.ts) caps how many requests can be here at once: each
 * holds a slot from before its input exists until its rows are back. When every slot is held no
 * request can join, so an idle model runs what it has without waiting for company.
 */
import { getNative } from '../native';
import { checkNumber, invalidParameterError, is } from '../errors';

/** Options of dynamic batching (`EfficientNet.load({ batching })`). */
export interface BatchingOptions {
  /** Most images in one native run (1 to the core's limit, 4096; default 8). */
  maxBatch?: number;
  /** How long an idle model waits for more requests before it runs what it has (0..10000 ms, default 2). */
  maxWaitMs?: number;
}

/** Batching options with their defaults applied. */
export interface ResolvedBatching {
  maxBatch: number;
  maxWaitMs: number;
}

/** The defaults: batches of 8 at most, 2 ms of waiting for company. */
export const DEFAULT_BATCHING: ResolvedBatching = Object.freeze({ maxBatch: 8, maxWaitMs: 2 });

/**
 * Checks batching options.
 *
 * @param value - options, `false` (each request runs as it comes), or undefined (the defaults)
 * @param name - the parameter name for messages
 * @returns the resolved options, or null when batching is off
 * @throws TypeError / RangeError for bad values
 */
export function resolveBatching(value: unknown, name: string): ResolvedBatching | null {
  if (value === false) return null;
  if (value === undefined) return DEFAULT_BATCHING;
  if (!is.plainObject(value)) throw invalidParameterError(name, 'an object { maxBatch, maxWaitMs } or false', value);
  for (const key of Object.keys(value)) {
    if (key !== 'maxBatch' && key !== 'maxWaitMs') throw invalidParameterError(name, 'only maxBatch, maxWaitMs', key, 'type');
  }
  const o = value as BatchingOptions;
  return {
    maxBatch: o.maxBatch === undefined ? DEFAULT_BATCHING.maxBatch : checkNumber(`${name}.maxBatch`, o.maxBatch, 1, getNative().maxBatch, true),
    maxWaitMs: o.maxWaitMs === undefined ? DEFAULT_BATCHING.maxWaitMs : checkNumber(`${name}.maxWaitMs`, o.maxWaitMs, 0, 10000),
  };
}

/**
 * Runs `batch` images (perImageIn floats each) and returns perImageOut floats per image. `input` is
 * only valid until the runner returns its promise (the batcher reuses the memory for the next
 * batch): the core copies it before that (native/binding/model_wrap.cc, run()).
 */
export type BatchRunner = (input: Float32Array, batch: number) => Promise<Float32Array>;

interface Request {
  input: Float32Array;
  out: Float32Array;
  remaining: number;
  failed: boolean;
  resolve: (out: Float32Array) => void;
  reject: (err: unknown) => void;
}

// A run of consecutive images of one request.
interface Piece {
  request: Request;
  start: number;
  count: number;
}

/** Merges concurrent requests into batched runs; see the module comment. */
export class Batcher {
  readonly #run: BatchRunner;
  readonly #perIn: number;
  readonly #perOut: number;
  readonly #options: ResolvedBatching;
  readonly #queue: Piece[] = [];
  readonly #full: () => boolean;
  #running = false;
  // Where several requests' images are gathered for one run, reused run after run: a fresh
  // maxBatch-image array per run (4.8 MB for B0) made the garbage collector run several times a
  // second under a server's load.
  #scratch: Float32Array | undefined;
  #timer: NodeJS.Timeout | undefined;
  // Runs started, by their number of images (index 0 unused): what a server reports as batch sizes.
  readonly #runsBySize: number[];

  /**
   * @param run - runs one merged batch
   * @param perImageIn - input floats per image
   * @param perImageOut - output floats per image
   * @param options - resolved batching options
   * @param full - true when no further request can arrive before a batch runs (every slot held)
   * @throws never
   */
  constructor(run: BatchRunner, perImageIn: number, perImageOut: number, options: ResolvedBatching, full: () => boolean = () => false) {
    this.#run = run;
    this.#full = full;
    this.#perIn = perImageIn;
    this.#perOut = perImageOut;
    this.#options = options;
    this.#runsBySize = new Array<number>(options.maxBatch + 1).fill(0);
  }

  /** How many runs of each size (the index: images in the run) were started; a copy. */
  runsBySize(): number[] {
    return this.#runsBySize.slice();
  }

  /**
   * Queues `batch` images (already validated, `batch * perImageIn` floats) for the next run.
   *
   * @returns `batch * perImageOut` floats, in the request's image order
   * @throws whatever the runner throws for a batch that held any of these images
   */
  submit(input: Float32Array, batch: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      const request: Request = { input, out: new Float32Array(batch * this.#perOut), remaining: batch, failed: false, resolve, reject };
      this.#queue.push({ request, start: 0, count: batch });
      this.#schedule(false);
    });
  }

  #queuedImages(): number {
    let n = 0;
    for (const piece of this.#queue) n += piece.count;
    return n;
  }

  #schedule(afterRun: boolean): void {
    if (this.#running || this.#queue.length === 0) return;
    if (afterRun || this.#options.maxWaitMs === 0 || this.#queuedImages() >= this.#options.maxBatch || this.#full()) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#start();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#start();
      }, this.#options.maxWaitMs);
    }
  }

  /**
   * Starts every queued image now, in runs of up to maxBatch side by side (not one after another):
   * called when the model is disposed, so that calls already made still finish. Frees the
   * gathering array.
   */
  drain(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) this.#start();
    this.#scratch = undefined; // every run started has its copy; nothing is gathered after this
  }

  // Takes up to maxBatch images off the queue (splitting the last piece if needed) and runs them.
  #start(): void {
    const pieces: Piece[] = [];
    let total = 0;
    while (this.#queue.length > 0 && total < this.#options.maxBatch) {
      const head = this.#queue[0];
      if (head.request.failed) {
        this.#queue.shift(); // an earlier part of this request failed: the rest is not worth running
        continue;
      }
      const take = Math.min(head.count, this.#options.maxBatch - total);
      pieces.push({ request: head.request, start: head.start, count: take });
      total += take;
      if (take === head.count) this.#queue.shift();
      else this.#queue[0] = { request: head.request, start: head.start + take, count: head.count - take };
    }
    if (total === 0) return;
    this.#runsBySize[total]!++;
    this.#running = true;
    this.#run(this.#gather(pieces, total), total).then(
      (out) => {
        let offset = 0;
        for (const { request, start, count } of pieces) {
          request.out.set(out.subarray(offset * this.#perOut, (offset + count) * this.#perOut), start * this.#perOut);
          offset += count;
          request.remaining -= count;
          if (request.remaining === 0 && !request.failed) request.resolve(request.out);
        }
      },
      (err: unknown) => {
        for (const { request } of pieces) {
          if (request.failed) continue;
          request.failed = true;
          request.reject(err);
        }
      },
    ).finally(() => {
      this.#running = false;
      this.#schedule(true);
    });
  }

  // One piece is passed as a view (no copy); several are concatenated.
  #gather(pieces: Piece[], total: number): Float32Array {
    const per = this.#perIn;
    if (pieces.length === 1) {
      const { request, start, count } = pieces[0];
      return request.input.subarray(start * per, (start + count) * per);
    }
    this.#scratch ??= new Float32Array(this.#options.maxBatch * per);
    const input = this.#scratch.subarray(0, total * per);
    let offset = 0;
    for (const { request, start, count } of pieces) {
      input.set(request.input.subarray(start * per, (start + count) * per), offset * per);
      offset += count;
    }
    return input;
  }
}
