/**
 * Backpressure: how many calls of one model may hold an input at once (preprocessing it, queued
 * for the native core, or running). Each such call owns a copy of its input (B0: 588 KiB per
 * image), so without a bound 1000 concurrent calls hold 1000 copies. A call takes a slot before it
 * copies or decodes anything and gives it back when its result is out.
 *
 * Beyond the bound, `whenFull` decides: 'wait' (default) queues the caller, in arrival order, until
 * a slot frees (the waiting call holds nothing but its own arguments); 'reject' fails the call at
 * once with ERR_QUEUE_FULL, for servers that would rather shed load than queue it.
 */
import { EfficientNetError, checkNumber, invalidParameterError, is } from '../errors';

/** Options of the bound on calls in flight (`EfficientNet.load({ queue })`). */
export interface QueueOptions {
  /**
   * Calls per model that may hold an input at once: preprocessing, queued or running
   * (1..65536; default twice batching.maxBatch, at least 16).
   */
  max?: number;
  /** What a call beyond `max` gets: 'wait' (default) for a slot, or 'reject' with ERR_QUEUE_FULL. */
  whenFull?: 'wait' | 'reject';
}

/** Queue options with their defaults applied. */
export interface ResolvedQueue {
  max: number;
  whenFull: 'wait' | 'reject';
}

/**
 * The default bound: enough for one batch running and the next one filling up.
 *
 * @param maxBatch - batching.maxBatch, or undefined when batching is off
 * @returns max(16, 2 x maxBatch)
 * @throws never
 */
export function defaultQueueMax(maxBatch: number | undefined): number {
  return Math.max(16, 2 * (maxBatch ?? 1));
}

/**
 * Checks queue options.
 *
 * @param value - options or undefined (the defaults)
 * @param name - the parameter name for messages
 * @param maxBatch - the model's batching.maxBatch (undefined when batching is off), for the default
 * @returns the resolved options
 * @throws TypeError / RangeError for bad values
 */
export function resolveQueue(value: unknown, name: string, maxBatch: number | undefined): ResolvedQueue {
  const fallback: ResolvedQueue = { max: defaultQueueMax(maxBatch), whenFull: 'wait' };
  if (value === undefined) return fallback;
  if (!is.plainObject(value)) throw invalidParameterError(name, 'an object { max, whenFull }', value);
  for (const key of Object.keys(value)) {
    if (key !== 'max' && key !== 'whenFull') throw invalidParameterError(name, 'only max, whenFull', key, 'type');
  }
  const o = value as QueueOptions;
  if (o.whenFull !== undefined && !is.inArray(o.whenFull, ['wait', 'reject'] as const)) {
    throw invalidParameterError(`${name}.whenFull`, "'wait' or 'reject'", o.whenFull);
  }
  return {
    max: o.max === undefined ? fallback.max : checkNumber(`${name}.max`, o.max, 1, 65536, true),
    whenFull: o.whenFull ?? fallback.whenFull,
  };
}

/** Counts the slots of one model and hands them out in arrival order; see the module comment. */
export class QueueLimit {
  readonly #options: ResolvedQueue;
  readonly #waiting: Array<() => void> = [];
  #held = 0;

  /**
   * @param options - resolved queue options
   * @throws never
   */
  constructor(options: ResolvedQueue) {
    this.#options = options;
  }

  /** Slots held now. */
  get held(): number {
    return this.#held;
  }

  /** Calls waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `fn` holding a slot. With a slot free, `fn` starts synchronously (so a call made just
   * before dispose() still starts, as calls always did); else the call waits for one (whenFull
   * 'wait', or `always`: classifyMany's own window already bounds what it asks for) or is refused.
   *
   * @returns what `fn` returns; the slot is given back when it settles
   * @throws {EfficientNetError} ERR_QUEUE_FULL (as a rejection) when all slots are held and
   *   whenFull is 'reject'; whatever `fn` throws
   */
  with<T>(fn: () => Promise<T>, always = false): Promise<T> {
    const run = (release: () => void): Promise<T> => {
      try {
        return fn().finally(release);
      } catch (err) {
        release();
        throw err;
      }
    };
    if (this.#held < this.#options.max && this.#waiting.length === 0) {
      this.#held++;
      return run(this.#release());
    }
    if (this.#options.whenFull === 'reject' && !always) {
      return Promise.reject(new EfficientNetError(
        'ERR_QUEUE_FULL',
        `All ${this.#options.max} slots of this model are busy (queue.max); retry later or load it with a larger queue.max`,
      ));
    }
    // The call that releases a slot hands it straight to the first waiter: #held stays the same.
    return new Promise<void>((resolve) => this.#waiting.push(resolve)).then(() => run(this.#release()));
  }

  // The release function of one slot (idempotent).
  #release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#held--;
    };
  }
}
