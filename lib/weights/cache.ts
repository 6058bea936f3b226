/** Where fetched weight files live: one flat directory of verified files, named as published. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { WeightSource } from './sources';

/**
 * The cache directory: `EFFICIENTNET_CACHE`, else `$XDG_CACHE_HOME/efficientnet`, else
 * `~/.cache/efficientnet`. Read from the environment on every call (tests and tools change it).
 *
 * @returns the absolute directory path (not created here)
 * @throws never
 */
export function weightsCacheDir(): string {
  const env = process.env;
  if (env.EFFICIENTNET_CACHE) return env.EFFICIENTNET_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'efficientnet');
  return join(homedir(), '.cache', 'efficientnet');
}

/**
 * The path a source's file has in the cache (whether or not it is there yet). A file put there by
 * hand is used as is.
 *
 * @param source - the source
 * @returns the path
 * @throws never
 */
export function cachedWeightsPath(source: WeightSource): string {
  return join(weightsCacheDir(), source.fileName);
}

/**
 * Whether a source's file is in the cache.
 *
 * @param source - the source
 * @returns true when the file exists
 * @throws never
 */
export function isWeightsCached(source: WeightSource): boolean {
  return existsSync(cachedWeightsPath(source));
}
