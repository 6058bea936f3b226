/**
 * The server's options and their defaults, checked once.
 */
import type { EfficientNet } from '../model/efficientnet';
import { checkNumber, invalidParameterError, is } from '../errors';
import { DEFAULT_MAX_PIXELS } from '../image/decode';

/** What one request may carry. */
export interface ServeLimits {
  /** The largest request body in bytes (default 32 MiB); larger is 413 ERR_BODY_TOO_LARGE. */
  bodyBytes?: number;
  /** The most pixels an uploaded image may have (the decompression-bomb guard); larger is 413 ERR_IMAGE_TOO_LARGE. */
  maxPixels?: number;
  /** The most images, or tensor batch rows, in one request (default 64); more is 413 ERR_TOO_MANY_IMAGES. */
  maxImages?: number;
}

/** Options of {@link createInferenceServer}. */
export interface ServeOptions {
  /**
   * The models to serve, by the name in their URLs (`/v2/models/{name}/...`). The server does not
   * dispose them. Load them with `queue: { whenFull: 'reject' }` so that a full queue is answered
   * 503 with Retry-After instead of waiting.
   */
  models: ReadonlyMap<string, EfficientNet> | Readonly<Record<string, EfficientNet>>;
  /** Request limits. */
  limits?: ServeLimits;
  /** Milliseconds a request may take before it is answered 504 ERR_TIMEOUT (default 30000; 0: no limit). */
  timeoutMs?: number;
  /** Structured JSON logs of every request (Fastify's logger) to this stream; default none. */
  log?: NodeJS.WritableStream;
}

/** The options with every default filled in. */
export interface ResolvedServeOptions {
  models: ReadonlyMap<string, EfficientNet>;
  limits: Required<ServeLimits>;
  timeoutMs: number;
  log: NodeJS.WritableStream | undefined;
}

/** The default body limit: a few large photos, or a B7 input tensor (600x600x3 FP32 is 4.3 MB) in JSON. */
export const DEFAULT_BODY_BYTES = 32 * 1024 * 1024;
/** The default most images per request. */
export const DEFAULT_MAX_IMAGES = 64;
/** The default per-request timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** What a served model's name may be: one URL path segment. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks the options and fills in the defaults.
 * @throws {TypeError | RangeError} for a bad option (no models, a model name that cannot be a URL
 *   segment, a limit out of range)
 */
export function resolveServeOptions(options: ServeOptions): ResolvedServeOptions {
  if (!is.plainObject(options)) throw invalidParameterError('options', 'an object', options);
  const entries = options.models instanceof Map ? [...options.models] : is.plainObject(options.models) ? Object.entries(options.models) : undefined;
  if (entries === undefined || entries.length === 0) throw invalidParameterError('options.models', 'a Map or object of one or more models', options.models);
  for (const [name, model] of entries) {
    if (typeof name !== 'string' || !MODEL_NAME.test(name)) {
      throw invalidParameterError('options.models', 'names of letters, digits, ".", "_" and "-" (at most 64)', name);
    }
    if (typeof model !== 'object' || model === null || typeof (model as EfficientNet).classify !== 'function') {
      throw invalidParameterError(`options.models.${name}`, 'a loaded EfficientNet', model);
    }
  }
  const l = options.limits ?? {};
  if (!is.plainObject(l)) throw invalidParameterError('options.limits', 'an object', l);
  return {
    models: new Map(entries),
    limits: {
      bodyBytes: l.bodyBytes === undefined ? DEFAULT_BODY_BYTES : checkNumber('options.limits.bodyBytes', l.bodyBytes, 1024, 2 ** 31 - 1, true),
      maxPixels: l.maxPixels === undefined ? DEFAULT_MAX_PIXELS : checkNumber('options.limits.maxPixels', l.maxPixels, 1, 2 ** 32, true),
      maxImages: l.maxImages === undefined ? DEFAULT_MAX_IMAGES : checkNumber('options.limits.maxImages', l.maxImages, 1, 4096, true),
    },
    timeoutMs: options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : checkNumber('options.timeoutMs', options.timeoutMs, 0, 2 ** 31 - 1, true),
    log: options.log,
  };
}
