/**
 * One connection attempt to Redis, with a deadline: BullMQ's clients reconnect forever (right for
 * a running worker riding out a Redis restart), so a wrong address at start would hang instead of
 * failing. The worker and the producer probe once first.
 */
import type IORedis from 'ioredis';
import { EfficientNetError } from '../errors';
import { requireOptional } from '../optional-dependency';
import { redactUrl, type RedisOptions } from './connection';

/**
 * Connects, sends PING, disconnects.
 * @throws {EfficientNetError} ERR_REDIS_UNAVAILABLE (naming the URL without its password and the
 *   reason) when that fails or takes longer than `timeoutMs`
 */
export async function probeRedis(url: string, options: RedisOptions, timeoutMs: number): Promise<void> {
  const Redis = requireOptional<typeof IORedis>('ioredis');
  const client = new Redis({ ...options, lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  // The socket's error (ECONNREFUSED, ENOTFOUND...) says more than the rejection that follows it.
  let socketError: string | undefined;
  client.on('error', (err: Error) => (socketError ??= err.message));
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
  } catch (err) {
    throw new EfficientNetError('ERR_REDIS_UNAVAILABLE', `Redis at ${redactUrl(url)} cannot be reached: ${socketError ?? (err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
