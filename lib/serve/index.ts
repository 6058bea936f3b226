/**
 * The HTTP inference server (`efficientnet serve`): KServe v2 / Triton REST, image routes,
 * Prometheus metrics. Needs the optional peer dependencies fastify, @fastify/multipart and
 * prom-client.
 */
export { createInferenceServer, type InferenceServer } from './server';
export { type ServeOptions, type ServeLimits, DEFAULT_BODY_BYTES, DEFAULT_MAX_IMAGES, DEFAULT_TIMEOUT_MS } from './options';
export type { ServeErrorCode, ServeOnlyCode } from './errors';
