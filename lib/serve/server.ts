/**
 * The inference server: Fastify with the KServe v2 routes, the image routes and `/metrics`.
 * Every error is answered `{ error, code }` with its status; shutdown stops taking requests and
 * waits for those in flight.
 */
import type * as Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type FastifyMultipart from '@fastify/multipart';
import { requireOptional } from '../optional-dependency';
import { ServeContext } from './context';
import { errorBody, HttpError, toHttpError } from './errors';
import { registerImageRoutes } from './image-routes';
import { registerKserveRoutes } from './kserve-routes';
import { ServeMetrics } from './metrics';
import { resolveServeOptions, type ServeOptions } from './options';

/** A running (or ready to run) server. */
export interface InferenceServer {
  /** The Fastify instance (to add routes or hooks before {@link listen}). */
  readonly app: FastifyInstance;
  /**
   * Starts listening.
   * @returns the address, e.g. `http://127.0.0.1:8080`
   */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /**
   * Graceful shutdown: readiness turns 503, new connections are refused, requests in flight are
   * answered, then it resolves. The models are not disposed.
   */
  close(): Promise<void>;
}

/** The route label of requests that matched no route (keeps the metrics' label set bounded). */
const UNMATCHED = 'unmatched';

/**
 * Builds the server.
 *
 * @param options - the models by name, limits, timeout, log stream
 * @returns the server, not yet listening
 * @throws {TypeError | RangeError} for bad options
 * @throws {EfficientNetError} ERR_MISSING_DEPENDENCY without fastify, @fastify/multipart or prom-client
 * @example
 * ```ts
 * const model = await EfficientNet.load({ variant: 'b0', weights: 'imagenet', queue: { whenFull: 'reject' } });
 * const server = await createInferenceServer({ models: { b0: model } });
 * console.log(await server.listen({ port: 8080 }));
 * ```
 */
export async function createInferenceServer(options: ServeOptions): Promise<InferenceServer> {
  const resolved = resolveServeOptions(options);
  const fastify = requireOptional<typeof Fastify>('fastify');
  const multipart = requireOptional<{ default: typeof FastifyMultipart }>('@fastify/multipart').default;
  const ctx = new ServeContext(resolved, new ServeMetrics(resolved.models));
  const { bodyBytes, maxImages } = resolved.limits;
  const app = fastify.default({
    bodyLimit: bodyBytes,
    logger: resolved.log ? { level: 'info', stream: resolved.log } : false,
    // Answered ourselves (shutdown): a request arriving while closing gets our 503.
    return503OnClosing: false,
  });

  app.setErrorHandler((err, request, reply) => {
    const http = toHttpError(err);
    if (http.status === 500) request.log.error({ err }, 'unexpected error');
    // A body refused for its size is never read: the connection cannot carry another request.
    if (http.code === 'ERR_BODY_TOO_LARGE') void reply.header('connection', 'close');
    void reply.code(http.status).headers(http.headers).send(errorBody(http));
  });
  app.setNotFoundHandler((request, reply) => {
    const http = new HttpError(404, 'ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 100)}`);
    void reply.code(404).send(errorBody(http));
  });
  app.addHook('onRequest', async (request, reply) => {
    if (ctx.closing) {
      const http = new HttpError(503, 'ERR_SHUTTING_DOWN', 'the server is shutting down');
      return reply.code(503).header('connection', 'close').send(errorBody(http));
    }
    // A declared length over the limit is refused before a byte of the body is read, whatever
    // the route or media type (multipart included).
    const length = Number(request.headers['content-length']);
    if (length > bodyBytes) throw new HttpError(413, 'ERR_BODY_TOO_LARGE', `the body (${length} bytes) is larger than this server's limit of ${bodyBytes}`);
    return undefined;
  });
  // Responses sent while closing end their connection: a kept-alive connection would otherwise
  // hold the shutdown until its keep-alive timeout.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (ctx.closing) void reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.request(request.routeOptions.url ?? UNMATCHED, request.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  // Bodies are read as bytes and parsed by the routes (so malformed JSON gets the protocol's
  // error shape); multipart is streamed by the plugin.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  await app.register(multipart, { limits: { fileSize: bodyBytes, files: maxImages + 1, fields: 64, parts: maxImages + 65 } });

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('../../package.json') as { version: string }).version;
  registerKserveRoutes(app, ctx, 'efficientnet', version);
  registerImageRoutes(app, ctx);
  app.get('/v1/models', async () => ({
    models: [...resolved.models].map(([name, m]) => ({ name, variant: m.arch.name, resolution: m.resolution, classes: m.numClasses, random: m.random })),
  }));
  app.get('/metrics', async (_, reply) => reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()));

  return {
    app,
    async listen({ port = 8080, host = '127.0.0.1' } = {}) {
      return app.listen({ port, host });
    },
    async close() {
      ctx.startClosing();
      await app.close();
    },
  };
}
