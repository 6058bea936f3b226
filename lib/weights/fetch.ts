/**
 * Download a known weight file into the cache, verified and atomically: the bytes go to a temp
 * file of their own in the cache directory while their sha256 is computed; only a complete file
 * whose hash matches is fsynced and renamed onto the cached name. An interrupted, truncated or
 * corrupt download is deleted, and two processes fetching the same file each write their own temp
 * file and rename the same verified bytes, so neither sees a partial file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, join } from 'node:path';
import { EfficientNetError } from '../errors';
import { cachedWeightsPath, weightsCacheDir } from './cache';
import type { WeightSource } from './sources';

/** Progress of a download. */
export interface FetchProgress {
  received: number;
  /** From Content-Length; undefined when the server does not say. */
  total: number | undefined;
}

/** Options of {@link fetchWeights}. */
export interface FetchOptions {
  /** Called as bytes arrive. */
  onProgress?: (p: FetchProgress) => void;
  /** Give up when the server sends nothing for this long (ms). Default 30000. */
  idleTimeoutMs?: number;
}

const MAX_REDIRECTS = 5;

/**
 * The URL a source is fetched from: `EFFICIENTNET_WEIGHTS_URL` (a mirror holding the files under
 * their published names) when set, else the publisher's URL.
 *
 * @param source - the source
 * @returns the URL
 * @throws never
 */
export function weightsUrl(source: WeightSource): string {
  const base = process.env.EFFICIENTNET_WEIGHTS_URL;
  return base ? `${base.replace(/\/+$/, '')}/${source.fileName}` : source.url;
}

function downloadError(source: WeightSource, url: string, reason: string, cause?: unknown): EfficientNetError {
  return new EfficientNetError(
    'ERR_WEIGHTS_DOWNLOAD',
    `cannot fetch ${source.id} from ${url}: ${reason}. Download the file by hand and put it at ${cachedWeightsPath(source)} ` +
      '(it is used from there), or set EFFICIENTNET_WEIGHTS_URL to a mirror',
    { cause },
  );
}

/** Streams `url` into `file`, hashing; resolves with the hex sha256 and the byte count. */
function download(url: string, file: fs.FileHandle, options: FetchOptions, redirects = 0): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : url.startsWith('http:') ? http.get : undefined;
    if (!get) {
      reject(new Error(`unsupported URL scheme`));
      return;
    }
    const req = get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
        else download(new URL(res.headers.location, url).toString(), file, options, redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new Error(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`));
        return;
      }
      const length = res.headers['content-length'];
      const total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
      const hash = createHash('sha256');
      let received = 0;
      let writing = Promise.resolve();
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        received += chunk.length;
        options.onProgress?.({ received, total });
        // Writes are chained in order; back-pressure: pause while one is pending.
        res.pause();
        writing = writing.then(() => file.write(chunk)).then(() => {
          res.resume();
        });
        writing.catch(reject);
      });
      const dropped = (): void => reject(new Error(`the connection closed after ${received} bytes`));
      res.on('aborted', dropped);
      res.on('error', dropped);
      res.on('close', () => {
        if (!res.complete) dropped();
      });
      res.on('end', () => {
        writing.then(() => {
          if (!res.complete) reject(new Error(`the connection closed after ${received} bytes`));
          else if (total !== undefined && received !== total) reject(new Error(`received ${received} of ${total} bytes`));
          else resolve({ sha256: hash.digest('hex'), size: received });
        }, reject);
      });
    });
    req.setTimeout(options.idleTimeoutMs ?? 30_000, () => {
      req.destroy(new Error(`no data for ${options.idleTimeoutMs ?? 30_000} ms`));
    });
    req.on('error', reject);
  });
}

/**
 * The cached path of a source's file, downloading and verifying it first when it is not cached.
 *
 * @param source - the source (see WEIGHT_SOURCES)
 * @param options - progress callback and idle timeout
 * @returns the path of the verified file in the cache
 * @throws EfficientNetError ERR_WEIGHTS_DOWNLOAD when the download fails (network error, HTTP
 *   status other than 200, connection dropped, idle timeout, size or sha256 mismatch) or the cache
 *   directory cannot be written; the message names the URL and the path for a manual download
 */
export async function fetchWeights(source: WeightSource, options: FetchOptions = {}): Promise<string> {
  const target = cachedWeightsPath(source);
  try {
    await fs.access(target);
    return target;
  } catch {
    // not cached yet
  }
  const url = weightsUrl(source);
  try {
    await fs.mkdir(weightsCacheDir(), { recursive: true });
  } catch (err) {
    throw downloadError(source, url, `the cache directory ${weightsCacheDir()} cannot be created (${(err as Error).message})`, err);
  }
  const temp = join(dirname(target), `.${source.fileName}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
  let file: fs.FileHandle | undefined;
  try {
    file = await fs.open(temp, 'wx');
    const { sha256, size } = await download(url, file, options);
    if (!sha256.startsWith(source.sha256)) {
      throw new Error(`the ${size} bytes received have sha256 ${sha256.slice(0, 16)}..., expected ${source.sha256}${source.sha256.length < 64 ? '...' : ''} (corrupt download or a different file)`);
    }
    await file.sync();
    await file.close();
    file = undefined;
    await fs.rename(temp, target);
    return target;
  } catch (err) {
    await file?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err instanceof EfficientNetError ? err : downloadError(source, url, (err as Error).message, err);
  }
}

/**
 * A progress callback that draws a one-line bar (bytes, rate, ETA) on a terminal stream.
 *
 * @param label - what is downloading (the file name)
 * @param stream - the terminal (default stderr)
 * @returns the callback for {@link FetchOptions.onProgress}, and `done` to end the line
 * @throws never
 */
export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): { onProgress: (p: FetchProgress) => void; done: () => void } {
  const start = Date.now();
  let last = 0;
  let drawn = false;
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  const draw = ({ received, total }: FetchProgress): void => {
    const seconds = Math.max((Date.now() - start) / 1000, 1e-3);
    const rate = received / seconds;
    const width = 24;
    const bar = total ? '#'.repeat(Math.round((width * received) / total)).padEnd(width, '.') : '';
    const eta = total && rate > 0 ? ` ETA ${Math.ceil((total - received) / rate)}s` : '';
    stream.write(`\r${label} [${bar}] ${mb(received)}${total ? `/${mb(total)}` : ''} MB ${mb(rate)} MB/s${eta}   `);
    drawn = true;
  };
  return {
    onProgress: (p) => {
      const now = Date.now();
      if (now - last < 100 && p.received !== p.total) return;
      last = now;
      draw(p);
    },
    done: () => {
      if (drawn) stream.write('\n');
    },
  };
}

/**
 * {@link fetchWeights} with {@link terminalProgress} on stderr when it is a terminal.
 *
 * @param source - the source
 * @returns the cached path
 * @throws as {@link fetchWeights}
 */
export async function fetchWeightsShowingProgress(source: WeightSource): Promise<string> {
  const progress = process.stderr.isTTY ? terminalProgress(source.fileName) : undefined;
  try {
    return await fetchWeights(source, { onProgress: progress?.onProgress });
  } finally {
    progress?.done();
  }
}
