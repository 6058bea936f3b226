/**
 * The server's Prometheus metrics (prom-client, in a registry of its own so that embedding the
 * server in an application does not mix them into the application's default registry).
 */
import type * as PromClient from 'prom-client';
import type { EfficientNet } from '../model/efficientnet';
import { requireOptional } from '../optional-dependency';

/** The window over which `efficientnet_images_per_second` is averaged. */
export const RATE_WINDOW_SECONDS = 10;

// Images finished per whole second, for the last RATE_WINDOW_SECONDS seconds.
class RateWindow {
  readonly #counts = new Array<number>(RATE_WINDOW_SECONDS).fill(0);
  #second = Math.floor(Date.now() / 1000);

  #advance(now: number): void {
    const second = Math.floor(now / 1000);
    for (let s = this.#second + 1; s <= second && s <= this.#second + RATE_WINDOW_SECONDS; s++) this.#counts[s % RATE_WINDOW_SECONDS] = 0;
    this.#second = Math.max(this.#second, second);
  }

  add(n: number, now = Date.now()): void {
    this.#advance(now);
    this.#counts[this.#second % RATE_WINDOW_SECONDS]! += n;
  }

  perSecond(now = Date.now()): number {
    this.#advance(now);
    return this.#counts.reduce((a, b) => a + b, 0) / RATE_WINDOW_SECONDS;
  }
}

/** What the routes record. */
export class ServeMetrics {
  /** The registry `GET /metrics` serves. */
  readonly registry: PromClient.Registry;
  readonly #requests: PromClient.Counter<'route' | 'method' | 'status'>;
  readonly #latency: PromClient.Histogram<'route' | 'status'>;
  readonly #images: PromClient.Counter<'model' | 'route'>;
  readonly #inFlight: PromClient.Gauge<'model'>;
  readonly #rates = new Map<string, RateWindow>();

  /**
   * @param models - the served models by name (their batch-size counts are read at each scrape)
   * @throws {EfficientNetError} ERR_MISSING_DEPENDENCY without prom-client
   */
  constructor(models: ReadonlyMap<string, EfficientNet>) {
    const client = requireOptional<typeof PromClient>('prom-client');
    const registry = new client.Registry();
    this.registry = registry;
    client.collectDefaultMetrics({ register: registry });
    const registers = [registry];
    this.#requests = new client.Counter({
      name: 'efficientnet_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.#latency = new client.Histogram({
      name: 'efficientnet_http_request_duration_seconds',
      help: 'Time from request received to response sent, by route pattern and status',
      labelNames: ['route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#images = new client.Counter({
      name: 'efficientnet_images_total',
      help: 'Images (or tensor batch rows) computed, by model and route',
      labelNames: ['model', 'route'],
      registers,
    });
    this.#inFlight = new client.Gauge({
      name: 'efficientnet_queue_depth',
      help: 'Requests holding a model: waiting for it or running on it',
      labelNames: ['model'],
      registers,
    });
    const rates = this.#rates;
    for (const name of models.keys()) {
      rates.set(name, new RateWindow());
      this.#inFlight.set({ model: name }, 0);
    }
    new client.Gauge({
      name: 'efficientnet_images_per_second',
      help: `Images computed per second over the last ${RATE_WINDOW_SECONDS} s, by model`,
      labelNames: ['model'],
      registers,
      collect() {
        for (const [model, rate] of rates) this.set({ model }, rate.perSecond());
      },
    });
    // A counter whose value lives in the model (its batcher counts every run): copied at scrape.
    new client.Counter({
      name: 'efficientnet_batch_runs_total',
      help: 'Native runs since start by batch size (images merged into one run by dynamic batching), by model',
      labelNames: ['model', 'size'],
      registers,
      collect() {
        this.reset();
        for (const [model, m] of models) {
          const runs = m.disposed ? null : m.batchRuns;
          runs?.forEach((count, size) => {
            if (size > 0 && count > 0) this.inc({ model, size: String(size) }, count);
          });
        }
      },
    });
  }

  /** Records an answered request. */
  request(route: string, method: string, status: number, seconds: number): void {
    this.#requests.inc({ route, method, status: String(status) });
    this.#latency.observe({ route, status: String(status) }, seconds);
  }

  /** Records images computed. */
  images(model: string, route: string, n: number): void {
    this.#images.inc({ model, route }, n);
    this.#rates.get(model)?.add(n);
  }

  /** A request starts (+1) or stops (-1) holding a model. */
  holding(model: string, delta: 1 | -1): void {
    this.#inFlight.inc({ model }, delta);
  }
}
