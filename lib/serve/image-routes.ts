/**
 * `POST /v1/models/{name}/classify` and `/embed`: images in the body (one image with its own
 * Content-Type, or several as multipart/form-data), labels or embeddings out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EfficientNet } from '../model/efficientnet';
import type { ServeContext } from './context';
import { HttpError, toHttpError } from './errors';

/** An uploaded image: its multipart file name (none for a single-image body) and bytes. */
interface Upload {
  name?: string;
  bytes: Buffer;
}

type Route = { Params: { name: string }; Querystring: { top?: string } };

const SINGLE_TYPES = /^(image\/[a-z0-9.+-]+|application\/octet-stream)$/i;

async function readUploads(request: FastifyRequest<Route>, maxImages: number): Promise<Upload[]> {
  if (request.isMultipart()) {
    const uploads: Upload[] = [];
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue; // form fields carry nothing the route reads
      if (uploads.length === maxImages) {
        throw new HttpError(413, 'ERR_TOO_MANY_IMAGES', `more than this server's limit of ${maxImages} images per request`);
      }
      uploads.push({ name: part.filename, bytes: await part.toBuffer() });
    }
    if (uploads.length === 0) throw new HttpError(400, 'ERR_BAD_REQUEST', 'the multipart body holds no file');
    return uploads;
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (!SINGLE_TYPES.test(type)) {
    throw new HttpError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', `send an image (Content-Type image/jpeg, image/png, image/webp, ...) or multipart/form-data, not '${type.slice(0, 60)}'`);
  }
  if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw new HttpError(400, 'ERR_BAD_REQUEST', 'the request body is empty');
  return [{ bytes: request.body }];
}

function parseTop(value: string | undefined, classes: number): number {
  if (value === undefined) return 5;
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= classes)) throw new HttpError(400, 'ERR_BAD_REQUEST', `top must be an integer from 1 to ${classes}, got '${value.slice(0, 20)}'`);
  return n;
}

/**
 * Answers each upload: one image is the whole answer (its error is the response's); of several,
 * each gets its result or, for a bad image (a 4xx), its own error, while a failure of the server
 * (queue full, out of memory: a 5xx) fails the request as a whole.
 */
async function answer<T>(
  uploads: Upload[],
  compute: (bytes: Buffer) => Promise<T>,
): Promise<{ single: T } | { results: ({ name?: string } & ({ value: T } | { error: HttpError }))[] }> {
  if (uploads.length === 1 && uploads[0]!.name === undefined) return { single: await compute(uploads[0]!.bytes) };
  const settled = await Promise.allSettled(uploads.map((u) => compute(u.bytes)));
  const results = settled.map((s, i) => {
    const name = uploads[i]!.name;
    if (s.status === 'fulfilled') return { name, value: s.value };
    const error = toHttpError(s.reason);
    if (error.status >= 500) throw error;
    return { name, error };
  });
  return { results };
}

const errorItem = (e: HttpError): { code: string; message: string } => ({ code: e.code, message: e.message });

/** Registers the image routes. */
export function registerImageRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const { maxImages, maxPixels } = ctx.options.limits;
  const preprocess = { maxPixels };

  const route = <T>(
    path: string,
    compute: (model: EfficientNet, bytes: Buffer, top: number) => Promise<T>,
    shape: (value: T) => Record<string, unknown>,
  ): void => {
    app.post<Route>(`/v1/models/:name/${path}`, async (request) => {
      const name = request.params.name;
      const model = ctx.model(name);
      const top = parseTop(request.query.top, model.numClasses);
      const uploads = await readUploads(request, maxImages);
      const out = await ctx.hold(name, () => answer(uploads, (bytes) => compute(model, bytes, top)));
      if ('single' in out) {
        ctx.metrics.images(name, path, 1);
        return { model: name, ...shape(out.single) };
      }
      ctx.metrics.images(name, path, out.results.filter((r) => 'value' in r).length);
      return {
        model: name,
        results: out.results.map((r) => ({ name: r.name ?? null, ...('value' in r ? shape(r.value) : { error: errorItem(r.error) }) })),
      };
    });
  };

  route(
    'classify',
    async (model, bytes, top) => (await model.classify(bytes, { topK: top, preprocess }))[0]!,
    (predictions) => ({ predictions }),
  );
  route(
    'embed',
    async (model, bytes) => (await model.embed(bytes, { preprocess })).data,
    (embedding) => ({ dims: [embedding.length], embedding: Array.from(embedding) }),
  );
}

