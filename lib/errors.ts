/**
 * Errors and the shared argument checks.
 *
 * Two families, kept distinct like sharp and onnxruntime-node do:
 * - bad arguments from the caller: a plain `TypeError` (wrong type) or `RangeError` (right type,
 *   value out of range) with the message "Expected X for Y but received Z";
 * - everything else (bad files, wrong weights, native failures): an {@link EfficientNetError}
 *   carrying a stable `code` that callers can switch on.
 */

/** Stable error codes carried by {@link EfficientNetError}. */
export type ErrorCode =
  /** The weights file is not parseable: truncated, bad header, bad offsets, unknown dtype. */
  | 'ERR_WEIGHTS_FORMAT'
  /** A tensor the architecture needs is not in the file. */
  | 'ERR_WEIGHTS_MISSING'
  /** The file holds tensors the architecture does not use. */
  | 'ERR_WEIGHTS_UNEXPECTED'
  /** A tensor has a different shape than the architecture needs. */
  | 'ERR_WEIGHTS_SHAPE'
  /** A tensor holds NaN or infinity, or a BN running_var is negative (logits would be NaN). */
  | 'ERR_WEIGHTS_VALUE'
  /** The file is for another variant (e.g. b3 weights loaded as b0). */
  | 'ERR_WEIGHTS_VARIANT'
  /**
   * Pretrained weights could not be fetched (offline, blocked, HTTP error, stalled, or the bytes do
   * not match the published hash); the message names the URL and the cache path for a manual copy.
   */
  | 'ERR_WEIGHTS_DOWNLOAD'
  | 'ERR_INPUT_SHAPE'
  | 'ERR_INPUT_DTYPE'
  /** The session or tensor was used after dispose(). */
  | 'ERR_DISPOSED'
  | 'ERR_PLAN_INVALID'
  | 'ERR_PLAN_FILE'
  | 'ERR_OUT_OF_MEMORY'
  /** An option this build or this CPU cannot honour (e.g. a CPU kernel level it lacks). */
  | 'ERR_INVALID_OPTION'
  | 'ERR_INTERNAL'
  | 'ERR_NPY_FORMAT'
  | 'ERR_NATIVE_LOAD'
  /** device 'cuda' asked for, but no usable GPU and driver (the message says why). */
  | 'ERR_CUDA_UNAVAILABLE'
  /** The GPU ran out of memory for this batch; the model stays usable at a smaller batch. */
  | 'ERR_CUDA_OOM'
  /** A sticky CUDA error: this model is lost (load it again); the process is fine. */
  | 'ERR_CUDA_LOST'
  /** An image could not be decoded: corrupt, truncated, empty or an unsupported format. */
  | 'ERR_IMAGE_DECODE'
  /** An image is larger than the decompression-bomb guard allows (maxPixels). */
  | 'ERR_IMAGE_TOO_LARGE'
  /** An image path does not exist. */
  | 'ERR_IMAGE_NOT_FOUND'
  /** Every slot of the model's queue is busy and the model was loaded with queue.whenFull 'reject'. */
  | 'ERR_QUEUE_FULL'
  /**
   * A feature needs a package that is an optional peer dependency (fastify for `serve`, bullmq for
   * `worker`) and it is not installed; the message gives the npm command.
   */
  | 'ERR_MISSING_DEPENDENCY'
  /** A queue worker or producer could not reach Redis in time (the message names the URL, without its password). */
  | 'ERR_REDIS_UNAVAILABLE'
  /** A queued job failed; the message is the job's failure reason (`CODE: message`). */
  | 'ERR_JOB_FAILED';

/** Every {@link ErrorCode}, for validation of codes coming back from the native side. */
export const ERROR_CODES: readonly ErrorCode[] = [
  'ERR_WEIGHTS_FORMAT',
  'ERR_WEIGHTS_MISSING',
  'ERR_WEIGHTS_UNEXPECTED',
  'ERR_WEIGHTS_SHAPE',
  'ERR_WEIGHTS_VALUE',
  'ERR_WEIGHTS_VARIANT',
  'ERR_WEIGHTS_DOWNLOAD',
  'ERR_INPUT_SHAPE',
  'ERR_INPUT_DTYPE',
  'ERR_DISPOSED',
  'ERR_PLAN_INVALID',
  'ERR_PLAN_FILE',
  'ERR_OUT_OF_MEMORY',
  'ERR_INVALID_OPTION',
  'ERR_INTERNAL',
  'ERR_NPY_FORMAT',
  'ERR_NATIVE_LOAD',
  'ERR_CUDA_UNAVAILABLE',
  'ERR_CUDA_OOM',
  'ERR_CUDA_LOST',
  'ERR_IMAGE_DECODE',
  'ERR_IMAGE_TOO_LARGE',
  'ERR_IMAGE_NOT_FOUND',
  'ERR_QUEUE_FULL',
  'ERR_MISSING_DEPENDENCY',
  'ERR_REDIS_UNAVAILABLE',
  'ERR_JOB_FAILED',
];

/**
 * The error type of this package for everything that is not a plain argument error.
 *
 * @example
 * ```ts
 * try { parseSafetensors(bytes); } catch (e) {
 *   if (e instanceof EfficientNetError && e.code === 'ERR_WEIGHTS_FORMAT') { ... }
 * }
 * ```
 */
export class EfficientNetError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;

  /**
   * @param code - the stable code
   * @param message - what went wrong and, where possible, what to do about it
   * @param options - standard `cause`
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // Set on the instance (not only the prototype) so it shows in util.inspect and JSON.
    this.name = 'EfficientNetError';
  }
}

/**
 * Cuts a piece of untrusted input (a header, a shape) for an error message to `max` characters,
 * saying the total length, so a hostile file cannot make a megabyte message.
 *
 * @param text - the input, as text
 * @param max - the most characters shown (default 120)
 * @returns the text, or `first max characters… (N characters)`
 * @throws never
 */
export function clipInput(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * {@link clipInput} in quotes, for names: `'name'`, or `'first max characters…' (N characters)`.
 * @throws never
 */
export function quoteInput(text: string, max = 120): string {
  return text.length <= max ? `'${text}'` : `'${text.slice(0, max)}…' (${text.length} characters)`;
}

/**
 * A short human description of a value for error messages: its type and, for small values,
 * the value itself ("number 1.5", "string 'b9'", "array of length 3", "null").
 *
 * @param value - anything
 * @returns the description (never longer than about 60 characters)
 * @throws never
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${value.byteLength} bytes`;
  switch (typeof value) {
    case 'number':
      return `number ${String(value)}`;
    case 'bigint':
      return `bigint ${String(value)}`;
    case 'boolean':
      return `boolean ${String(value)}`;
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
      return `string '${shown}'`;
    }
    case 'function':
      return 'function';
    case 'symbol':
      return 'symbol';
    default: {
      const ctor = (value as object).constructor;
      return ctor && ctor !== Object ? `object ${ctor.name}` : 'object';
    }
  }
}

/**
 * Build the error for an invalid argument: "Expected X for Y but received Z".
 *
 * The class is a `RangeError` when the value has the right primitive type but a bad value
 * (a number out of range, a string not in the list), else a `TypeError`; pass `kind` to force it.
 *
 * @param name - the parameter, e.g. "options.width"
 * @param expected - what was expected, e.g. "a positive finite number"
 * @param actual - the value received
 * @param kind - force 'type' or 'range'
 * @returns the error, to be thrown by the caller
 * @throws never
 */
export function invalidParameterError(
  name: string,
  expected: string,
  actual: unknown,
  kind?: 'type' | 'range',
): TypeError | RangeError {
  const message = `Expected ${expected} for ${name} but received ${describeValue(actual)}`;
  const k = kind ?? (typeof actual === 'number' || typeof actual === 'bigint' ? 'range' : 'type');
  return k === 'range' ? new RangeError(message) : new TypeError(message);
}

/** Small type guards shared by all public validation (sharp's `is` module, trimmed). */
export const is = {
  /** Not undefined and not null. */
  defined(v: unknown): boolean {
    return v !== undefined && v !== null;
  },
  /**
   * A plain object (not null, not an array, not a typed array). Narrows `unknown` to a record and
   * keeps a declared options type as it is (so `options.variant` keeps its type after the check).
   */
  plainObject<T>(v: T): v is T & (unknown extends T ? Record<string, unknown> : object) {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
  },
  /** A finite number. */
  number(v: unknown): v is number {
    return typeof v === 'number' && Number.isFinite(v);
  },
  /** A safe integer. */
  integer(v: unknown): v is number {
    return Number.isSafeInteger(v);
  },
  /** A number within [lo, hi]. */
  inRange(v: number, lo: number, hi: number): boolean {
    return v >= lo && v <= hi;
  },
  /** A string. */
  string(v: unknown): v is string {
    return typeof v === 'string';
  },
  /** One of a list of values. */
  inArray<T>(v: unknown, list: readonly T[]): v is T {
    return list.includes(v as T);
  },
};

/**
 * Check that `value` is a finite number in [lo, hi] (optionally an integer).
 *
 * @param name - the parameter name for the message
 * @param value - the value received
 * @param lo - the lowest allowed value
 * @param hi - the highest allowed value
 * @param integer - require an integer
 * @returns the value, typed
 * @throws TypeError when not a number; RangeError when not finite, not an integer or out of range
 */
export function checkNumber(name: string, value: unknown, lo: number, hi: number, integer = false): number {
  const what = `${integer ? 'an integer' : 'a finite number'} between ${lo} and ${hi}`;
  if (typeof value !== 'number') throw invalidParameterError(name, what, value, 'type');
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < lo || value > hi) {
    throw invalidParameterError(name, what, value, 'range');
  }
  return value;
}
