/**
 * Every failure the server answers, as an HTTP status and a stable code. The body has the KServe
 * v2 protocol's error shape, `{ "error": message }`, plus the code: `{ "error", "code" }`.
 */
import { EfficientNetError, type ErrorCode } from '../errors';

/** Codes only the server gives (the library's own {@link ErrorCode}s pass through). */
export type ServeOnlyCode =
  /** Malformed JSON, a missing or wrong field, a bad query parameter, truncated binary data. */
  | 'ERR_BAD_REQUEST'
  /** No model of that name is served. */
  | 'ERR_MODEL_NOT_FOUND'
  /** No such route. */
  | 'ERR_NOT_FOUND'
  /** The body is larger than the server's body limit (checked against Content-Length first). */
  | 'ERR_BODY_TOO_LARGE'
  /** More images (or a larger tensor batch) in one request than the server's limit. */
  | 'ERR_TOO_MANY_IMAGES'
  /** A Content-Type the route does not take. */
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  /** The request took longer than the server's per-request timeout. */
  | 'ERR_TIMEOUT'
  /** The server is shutting down. */
  | 'ERR_SHUTTING_DOWN';

/** A code in an error response. */
export type ServeErrorCode = ErrorCode | ServeOnlyCode;

/** An error with the HTTP status and code it is answered with. */
export class HttpError extends Error {
  /**
   * @param status - the HTTP status
   * @param code - the stable code in the body
   * @param message - what went wrong, for the client
   * @param headers - extra response headers (Retry-After)
   */
  constructor(
    readonly status: number,
    readonly code: ServeErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Seconds a client is told to wait (Retry-After) when a model's queue is full. */
export const RETRY_AFTER_SECONDS = 1;

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  ERR_IMAGE_DECODE: 400,
  ERR_IMAGE_NOT_FOUND: 400,
  ERR_INPUT_SHAPE: 400,
  ERR_INPUT_DTYPE: 400,
  ERR_IMAGE_TOO_LARGE: 413,
  ERR_QUEUE_FULL: 503,
  ERR_DISPOSED: 503,
  ERR_OUT_OF_MEMORY: 503,
  ERR_CUDA_OOM: 503,
};

// Fastify's own errors (a body over the limit, a bad Content-Length, an unknown media type) carry
// a statusCode; the server answers them with its own codes.
const CODE_OF_STATUS: Record<number, ServeOnlyCode> = {
  404: 'ERR_NOT_FOUND',
  413: 'ERR_BODY_TOO_LARGE',
  415: 'ERR_UNSUPPORTED_MEDIA_TYPE',
};

/**
 * The response for any error thrown while answering a request.
 * @param err - what was thrown
 * @returns the HttpError to answer with (500 ERR_INTERNAL for anything unexpected)
 * @throws never
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof EfficientNetError) {
    const status = STATUS_OF[err.code] ?? 500;
    const retry = status === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : undefined;
    return new HttpError(status, err.code, err.message, retry);
  }
  // The library's argument checks: the request asked for something out of range.
  if (err instanceof TypeError || err instanceof RangeError) return new HttpError(400, 'ERR_BAD_REQUEST', err.message);
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, CODE_OF_STATUS[status] ?? 'ERR_BAD_REQUEST', (err as Error).message);
  }
  return new HttpError(500, 'ERR_INTERNAL', 'internal error (logged by the server)');
}

/** The JSON body of an error response. */
export function errorBody(err: HttpError): { error: string; code: ServeErrorCode } {
  return { error: err.message, code: err.code };
}
