/**
 * A job's image as the model takes it: a path as it is (the model reads the file), bytes decoded
 * from base64, a URL fetched with a time and size limit.
 */
import { EfficientNetError } from '../errors';
import type { ImageRef } from './jobs';

/** Limits on fetching a job's image URL. */
export interface FetchLimits {
  /** Milliseconds for the whole download (default 30000). */
  timeoutMs: number;
  /** The largest image in bytes (default 64 MiB). */
  maxBytes: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 30_000, maxBytes: 64 * 1024 * 1024 };

/** A failure worth retrying (the network, the server's 5xx), unlike a bad image. */
export class TransientError extends Error {
  override name = 'TransientError';
}

/**
 * @returns a path or the image's bytes
 * @throws {EfficientNetError} ERR_IMAGE_NOT_FOUND for a URL answered 4xx, ERR_IMAGE_TOO_LARGE
 *   over the size limit
 * @throws {TransientError} when the fetch fails or times out, or the server answers 5xx
 */
export async function loadImage(ref: ImageRef, limits: FetchLimits = DEFAULT_FETCH_LIMITS): Promise<string | Buffer> {
  if ('path' in ref) return ref.path;
  if ('bytes' in ref) return Buffer.from(ref.bytes, 'base64');
  let res: Response;
  try {
    res = await fetch(ref.url, { signal: AbortSignal.timeout(limits.timeoutMs), redirect: 'follow' });
  } catch (err) {
    throw new TransientError(`GET ${ref.url} failed: ${(err as Error).message}`, { cause: err });
  }
  if (res.status >= 500) throw new TransientError(`GET ${ref.url} answered ${res.status}`);
  if (res.status !== 200) throw new EfficientNetError('ERR_IMAGE_NOT_FOUND', `GET ${ref.url} answered ${res.status}`);
  const declared = Number(res.headers.get('content-length'));
  if (declared > limits.maxBytes) {
    await res.body?.cancel();
    throw new EfficientNetError('ERR_IMAGE_TOO_LARGE', `GET ${ref.url}: ${declared} bytes, more than the limit of ${limits.maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += (chunk as Uint8Array).byteLength;
      if (size > limits.maxBytes) throw new EfficientNetError('ERR_IMAGE_TOO_LARGE', `GET ${ref.url}: more than the limit of ${limits.maxBytes} bytes`);
      chunks.push(chunk as Uint8Array);
    }
  } catch (err) {
    if (err instanceof EfficientNetError) throw err;
    throw new TransientError(`GET ${ref.url} failed while reading: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(chunks);
}
