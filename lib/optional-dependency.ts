/**
 * Packages only some features need (the HTTP server, the Redis queue workers) are optional peer
 * dependencies: a user who only classifies images does not download a web framework. This is
 * the one place that loads them, so a missing one is the same coded error everywhere.
 */
import { EfficientNetError } from './errors';

/** The optional packages and the feature that needs each (the version range is package.json's). */
export type OptionalPackage = 'fastify' | '@fastify/multipart' | 'prom-client' | 'bullmq' | 'ioredis';

const FEATURE: Record<OptionalPackage, string> = {
  fastify: 'efficientnet serve',
  '@fastify/multipart': 'efficientnet serve',
  'prom-client': 'efficientnet serve',
  bullmq: 'efficientnet worker and the queue producer',
  // BullMQ's Redis client, an optional dependency of its own since BullMQ 6.
  ioredis: 'efficientnet worker and the queue producer',
};

/**
 * The npm command that installs the given optional packages at the ranges this version supports.
 * @throws never
 */
export function installCommand(names: readonly OptionalPackage[]): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ranges = (require('../package.json') as { peerDependencies?: Record<string, string> }).peerDependencies ?? {};
  return `npm install ${names.map((n) => `${n}@${JSON.stringify(ranges[n] ?? 'latest').slice(1, -1)}`).join(' ')}`;
}

/**
 * Loads an optional peer dependency.
 *
 * @param name - the package
 * @returns its module
 * @throws {EfficientNetError} ERR_MISSING_DEPENDENCY when it is not installed (naming the feature
 *   and the npm command); any other load failure is rethrown as it is
 */
export function requireOptional<T>(name: OptionalPackage): T {
  // Resolve first: only "this package is absent" is ours to explain; a package that is there but
  // throws while loading is a real failure to see as it is.
  try {
    require.resolve(name);
  } catch (err) {
    throw new EfficientNetError(
      'ERR_MISSING_DEPENDENCY',
      `${FEATURE[name]} needs the package '${name}', which is not installed: ${installCommand([name])}`,
      { cause: err },
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name) as T;
}
