/**
 * A Redis URL as BullMQ's connection options. Parsed here so that a mistyped URL is a usage error
 * at start, not an endless reconnect loop.
 */
import type * as BullMQ from 'bullmq';
import { checkNumber, invalidParameterError, is } from '../errors';
import { requireOptional } from '../optional-dependency';

/** The connection options BullMQ (ioredis) takes. */
export interface RedisOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  /** Required by BullMQ for workers: commands wait for a reconnect instead of failing. */
  maxRetriesPerRequest: null;
}

/**
 * @param url - `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS)
 * @returns the options
 * @throws {TypeError} for anything else
 */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalidParameterError('redis', 'a URL redis://host:port[/db]', url);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw invalidParameterError('redis', 'a redis:// or rediss:// URL', url);
  if (u.hostname === '') throw invalidParameterError('redis', 'a URL with a host', url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !(Number.isInteger(db) && db >= 0 && db < 65536)) throw invalidParameterError('redis', 'a database number after the /', url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db === undefined ? {} : { db }),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** What the worker and the producer both need: the connection, the queue, BullMQ. */
export interface QueueTarget {
  connection: RedisOptions;
  queue: string;
  connectTimeoutMs: number;
  bull: typeof BullMQ;
}

/**
 * Checks the options the worker and the producer share and loads BullMQ.
 * @throws {TypeError | RangeError} for a bad URL, queue name or timeout
 * @throws {EfficientNetError} ERR_MISSING_DEPENDENCY without bullmq or ioredis
 */
export function queueTarget(options: { redis: string; queue: string; connectTimeoutMs?: number }): QueueTarget {
  if (!is.plainObject(options)) throw invalidParameterError('options', 'an object', options);
  const connection = redisOptions(options.redis);
  if (typeof options.queue !== 'string' || options.queue === '' || options.queue.includes(':')) {
    throw invalidParameterError('options.queue', 'a non-empty queue name without ":"', options.queue);
  }
  const connectTimeoutMs = checkNumber('options.connectTimeoutMs', options.connectTimeoutMs ?? 10_000, 100, 600_000, true);
  const bull = requireOptional<typeof BullMQ>('bullmq');
  requireOptional('ioredis'); // BullMQ loads it itself; checked here for the coded error
  return { connection, queue: options.queue, connectTimeoutMs, bull };
}
