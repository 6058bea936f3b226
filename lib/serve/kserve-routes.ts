/**
 * The KServe v2 / Triton REST routes: health, server and model metadata, inference.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EfficientNet } from '../model/efficientnet';
import type { ServeContext } from './context';
import { HttpError } from './errors';
import { encodeInferResponse, INPUT_NAME, parseInferRequest, type OutputTensor, type TensorSpec } from './kserve-codec';

/** The protocol extensions this server implements (`GET /v2` lists them). */
export const EXTENSIONS = ['binary_tensor_data'] as const;

/** The one model version each model has. */
const VERSION = '1';

type NameParams = { Params: { name: string; version?: string } };

/** A model's metadata as `GET /v2/models/{name}` answers it. */
export function modelMetadata(name: string, model: EfficientNet): { name: string; versions: string[]; platform: string; inputs: TensorSpec[]; outputs: TensorSpec[] } {
  return {
    name,
    versions: [VERSION],
    platform: 'efficientnet',
    inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, 3, model.resolution, model.resolution] }],
    outputs: [
      { name: 'logits', datatype: 'FP32', shape: [-1, model.numClasses] },
      { name: 'embedding', datatype: 'FP32', shape: [-1, model.arch.head] },
    ],
  };
}

function checkVersion(request: FastifyRequest<NameParams>): void {
  const v = request.params.version;
  if (v !== undefined && v !== VERSION) {
    throw new HttpError(404, 'ERR_MODEL_NOT_FOUND', `model '${request.params.name}' has version ${VERSION} only, not '${v.slice(0, 20)}'`);
  }
}

/** Both spellings of a model route: without and with `/versions/{version}`. */
function both(path: string): string[] {
  return [`/v2/models/:name${path}`, `/v2/models/:name/versions/:version${path}`];
}

/**
 * Registers the v2 routes.
 * @param serverName - `GET /v2`'s name
 * @param version - `GET /v2`'s version (the package's)
 */
export function registerKserveRoutes(app: FastifyInstance, ctx: ServeContext, serverName: string, version: string): void {
  app.get('/v2', async () => ({ name: serverName, version, extensions: [...EXTENSIONS] }));
  app.get('/v2/health/live', async (_, reply) => reply.code(200).send());
  app.get('/v2/health/ready', async (_, reply) => {
    if (ctx.closing) throw new HttpError(503, 'ERR_SHUTTING_DOWN', 'the server is shutting down');
    return reply.code(200).send();
  });
  for (const url of both('')) {
    app.get<NameParams>(url, async (request) => {
      checkVersion(request);
      return modelMetadata(request.params.name, ctx.model(request.params.name));
    });
  }
  for (const url of both('/ready')) {
    app.get<NameParams>(url, async (request, reply) => {
      checkVersion(request);
      const model = ctx.model(request.params.name);
      if (ctx.closing || model.disposed) throw new HttpError(503, 'ERR_SHUTTING_DOWN', 'the server is shutting down');
      return reply.code(200).send();
    });
  }
  for (const url of both('/infer')) {
    app.post<NameParams & { Body: Buffer }>(url, async (request, reply) => {
      checkVersion(request);
      const name = request.params.name;
      const model = ctx.model(name);
      if (!Buffer.isBuffer(request.body)) throw new HttpError(400, 'ERR_BAD_REQUEST', 'the inference request has no body');
      const header = request.headers['inference-header-content-length'];
      const infer = parseInferRequest(request.body, Array.isArray(header) ? header[0] : header, {
        resolution: model.resolution,
        maxImages: ctx.options.limits.maxImages,
      });
      const input = { data: infer.data, dims: infer.dims };
      const outputs = await ctx.hold(name, () =>
        Promise.all(
          infer.outputs.map(async ({ name: output, binary }): Promise<OutputTensor> => {
            const t = output === 'logits' ? await model.run(input) : await model.embed(input);
            return { name: output, dims: t.dims, data: t.data, binary };
          }),
        ),
      );
      ctx.metrics.images(name, 'infer', infer.dims[0]);
      const { body, headerLength } = encodeInferResponse(name, infer.id, outputs);
      if (headerLength === undefined) return reply.type('application/json').send(body);
      return reply.type('application/octet-stream').header('inference-header-content-length', String(headerLength)).send(body);
    });
  }
}
