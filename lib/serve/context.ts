/**
 * What every route shares: the models by name, the limits, the metrics, and the one wrapper that
 * holds a model for a request (the in-flight gauge and the per-request timeout).
 */
import type { EfficientNet } from '../model/efficientnet';
import { HttpError } from './errors';
import type { ServeMetrics } from './metrics';
import type { ResolvedServeOptions } from './options';

/** Shared by the routes of one server. */
export class ServeContext {
  #closing = false;

  /**
   * @param options - the resolved options
   * @param metrics - where requests and images are recorded
   */
  constructor(
    readonly options: ResolvedServeOptions,
    readonly metrics: ServeMetrics,
  ) {}

  /** True once shutdown began: readiness is 503. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Marks the server as shutting down. */
  startClosing(): void {
    this.#closing = true;
  }

  /**
   * The model of that name.
   * @throws {HttpError} 404 ERR_MODEL_NOT_FOUND
   */
  model(name: string): EfficientNet {
    const model = this.options.models.get(name);
    if (model === undefined) {
      throw new HttpError(404, 'ERR_MODEL_NOT_FOUND', `no model '${name.slice(0, 64)}' here; this server has ${[...this.options.models.keys()].join(', ')}`);
    }
    return model;
  }

  /**
   * Runs a request's work on a model: counted in the model's queue depth, and answered 504 when
   * it takes longer than the timeout (the native run itself cannot be stopped; it finishes and its
   * result is dropped).
   * @throws {HttpError} 504 ERR_TIMEOUT; whatever `work` throws
   */
  async hold<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.metrics.holding(name, 1);
    let timer: NodeJS.Timeout | undefined;
    try {
      const ms = this.options.timeoutMs;
      if (ms === 0) return await work();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HttpError(504, 'ERR_TIMEOUT', `the request took longer than this server's limit of ${ms} ms`)), ms);
      });
      const running = work();
      running.catch(() => undefined); // after a timeout its failure has no one to go to
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
      this.metrics.holding(name, -1);
    }
  }
}
