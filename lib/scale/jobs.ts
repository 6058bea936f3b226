/**
 * The jobs the queue workers take and the results they return: the one definition the producer
 * and the worker share. Job data must be JSON (BullMQ stores it in Redis), so image bytes travel
 * as base64.
 */
import { invalidParameterError, is, checkNumber } from '../errors';
import type { Prediction } from '../model/classify';

/** Where a job's image is: a path the worker can read, an http(s) URL it fetches, or the bytes. */
export type ImageRef = { path: string } | { url: string } | { bytes: string /* base64 */ };

/** A classify job: the top `top` classes of one image (default 5). */
export interface ClassifyJobData {
  kind: 'classify';
  image: ImageRef;
  top?: number;
}

/** An embed job: the pooled features of one image. */
export interface EmbedJobData {
  kind: 'embed';
  image: ImageRef;
}

/** What a job asks. */
export type JobData = ClassifyJobData | EmbedJobData;

/** A classify job's return value. */
export interface ClassifyResult {
  predictions: Prediction[];
}

/** An embed job's return value. */
export interface EmbedResult {
  dims: number[];
  embedding: number[];
}

/** The BullMQ job name of each kind (the data's `kind` decides; the name is for dashboards). */
export const JOB_NAMES = { classify: 'classify', embed: 'embed' } as const;

/**
 * An image as a job refers to it: a Buffer or Uint8Array becomes base64 bytes, a string with an
 * http(s) scheme a URL, any other string a path.
 * @throws {TypeError} for anything else
 */
export function imageRef(image: string | Uint8Array | ImageRef): ImageRef {
  if (typeof image === 'string') return /^https?:\/\//i.test(image) ? { url: image } : { path: image };
  if (image instanceof Uint8Array) return { bytes: Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64') };
  checkImageRef(image, 'image');
  return image;
}

function checkImageRef(value: unknown, name: string): asserts value is ImageRef {
  if (!is.plainObject(value)) throw invalidParameterError(name, 'a path, URL, bytes, or { path } | { url } | { bytes }', value);
  const keys = Object.keys(value);
  const key = keys[0];
  if (keys.length !== 1 || (key !== 'path' && key !== 'url' && key !== 'bytes') || typeof value[key] !== 'string' || value[key] === '') {
    throw invalidParameterError(name, 'exactly one of path, url or bytes, a non-empty string', value);
  }
}

/**
 * Checks a job's data as it comes out of Redis (anything may have put it there).
 * @throws {TypeError | RangeError} naming what is wrong
 */
export function checkJobData(data: unknown): JobData {
  if (!is.plainObject(data)) throw invalidParameterError('job.data', 'an object { kind, image, top? }', data);
  if (data.kind !== 'classify' && data.kind !== 'embed') throw invalidParameterError('job.data.kind', "'classify' or 'embed'", data.kind);
  checkImageRef(data.image, 'job.data.image');
  if (data.kind === 'embed') return { kind: 'embed', image: data.image };
  const top = data.top === undefined ? undefined : checkNumber('job.data.top', data.top, 1, 100_000, true);
  return { kind: 'classify', image: data.image, top };
}
