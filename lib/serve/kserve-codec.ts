/**
 * The KServe v2 / Triton REST inference protocol's request and response bodies, with its binary
 * tensor data extension: a request whose `Inference-Header-Content-Length` header is N carries
 * its JSON in the first N bytes and the inputs with `parameters.binary_data_size` after it, in
 * input order; outputs asked for with `parameters.binary_data: true` (or the request's
 * `parameters.binary_data_output: true`) come back the same way. The model has one input,
 * `input` (FP32, [N, 3, H, W], normalized like the weights expect) and two outputs, `logits`
 * [N, classes] and `embedding` [N, head features].
 */
import { HttpError } from './errors';

/** The served model's tensors, as its metadata states them. */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: 'FP32';
  /** -1 for the batch dimension. */
  readonly shape: readonly number[];
}

/** The one input's name. */
export const INPUT_NAME = 'input';
/** The outputs, in the order a request without `outputs` gets them. */
export const OUTPUT_NAMES = ['logits', 'embedding'] as const;
/** An output's name. */
export type OutputName = (typeof OUTPUT_NAMES)[number];

/** A parsed, checked inference request. */
export interface InferRequest {
  id?: string;
  /** The input batch, NCHW. */
  data: Float32Array;
  dims: [number, number, number, number];
  /** The outputs asked for, each with whether it goes back as binary data. */
  outputs: { name: OutputName; binary: boolean }[];
}

/** What the request body is checked against. */
export interface InferLimits {
  /** Input height and width. */
  resolution: number;
  /** The most images (the batch dimension) one request may carry. */
  maxImages: number;
}

const bad = (message: string): HttpError => new HttpError(400, 'ERR_BAD_REQUEST', message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Splits a request body into its JSON header and binary part.
 * @param body - the raw body
 * @param headerLength - the Inference-Header-Content-Length header, if sent
 * @throws {HttpError} 400 for a header length that is not an integer within the body
 */
export function splitBody(body: Buffer, headerLength: string | undefined): { json: Buffer; binary: Buffer } {
  if (headerLength === undefined) return { json: body, binary: body.subarray(body.length) };
  const n = /^\d{1,15}$/.test(headerLength) ? Number(headerLength) : NaN;
  if (!Number.isSafeInteger(n) || n > body.length) {
    throw bad(`Inference-Header-Content-Length must be an integer no larger than the body (${body.length} bytes), got '${headerLength.slice(0, 40)}'`);
  }
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

function parseJson(json: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    throw bad('the inference request is not valid JSON');
  }
  if (!isObject(value)) throw bad('the inference request must be a JSON object');
  return value;
}

// Flattens nested arrays of numbers (the protocol allows row-major flat or nested data) into `out`.
function flattenInto(data: unknown, out: Float32Array): number {
  let n = 0;
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8) throw bad("input 'input': data is nested deeper than its shape");
    if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
      return;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad("input 'input': data must hold only finite numbers");
    if (n >= out.length) throw new HttpError(400, 'ERR_INPUT_SHAPE', `input 'input': data has more elements than its shape's ${out.length}`);
    out[n++] = v;
  };
  visit(data, 0);
  return n;
}

function checkShape(shape: unknown, limits: InferLimits): [number, number, number, number] {
  const r = limits.resolution;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new HttpError(400, 'ERR_INPUT_SHAPE', `input 'input': shape must be [N, 3, ${r}, ${r}] with N >= 1, got ${JSON.stringify(shape)?.slice(0, 80)}`);
  }
  const [n, c, h, w] = shape as number[];
  if (c !== 3 || h !== r || w !== r) {
    throw new HttpError(400, 'ERR_INPUT_SHAPE', `input 'input': shape must be [N, 3, ${r}, ${r}], got [${shape.join(', ')}]`);
  }
  if (n! > limits.maxImages) {
    throw new HttpError(413, 'ERR_TOO_MANY_IMAGES', `input 'input': a batch of ${n} is more than this server's limit of ${limits.maxImages} per request`);
  }
  return [n!, c, h, w];
}

function parseOutputs(request: Record<string, unknown>): InferRequest['outputs'] {
  const params = request.parameters;
  if (params !== undefined && !isObject(params)) throw bad('parameters must be an object');
  const allBinary = isObject(params) && params.binary_data_output === true;
  if (request.outputs === undefined) return OUTPUT_NAMES.map((name) => ({ name, binary: allBinary }));
  if (!Array.isArray(request.outputs) || request.outputs.length === 0) throw bad('outputs must be a non-empty array when given');
  return request.outputs.map((o: unknown) => {
    if (!isObject(o) || typeof o.name !== 'string') throw bad('each output must be an object with a name');
    if (!(OUTPUT_NAMES as readonly string[]).includes(o.name)) {
      throw bad(`unknown output '${o.name.slice(0, 60)}': this model has ${OUTPUT_NAMES.join(', ')}`);
    }
    if (o.parameters !== undefined && !isObject(o.parameters)) throw bad(`output '${o.name}': parameters must be an object`);
    const binary = isObject(o.parameters) && o.parameters.binary_data !== undefined ? o.parameters.binary_data === true : allBinary;
    return { name: o.name as OutputName, binary };
  });
}

/**
 * Parses and checks an inference request.
 * @param body - the raw body
 * @param headerLength - the Inference-Header-Content-Length header, if sent
 * @param limits - the model's resolution and the server's batch limit
 * @returns the request, its input as one NCHW Float32Array
 * @throws {HttpError} 400 ERR_BAD_REQUEST (malformed JSON, missing fields, truncated binary data),
 *   400 ERR_INPUT_DTYPE / ERR_INPUT_SHAPE, 413 ERR_TOO_MANY_IMAGES
 */
export function parseInferRequest(body: Buffer, headerLength: string | undefined, limits: InferLimits): InferRequest {
  const { json, binary } = splitBody(body, headerLength);
  const request = parseJson(json);
  if (request.id !== undefined && typeof request.id !== 'string') throw bad('id must be a string');
  if (!Array.isArray(request.inputs) || request.inputs.length !== 1) throw bad(`inputs must be an array holding one input, '${INPUT_NAME}'`);
  const input: unknown = request.inputs[0];
  if (!isObject(input)) throw bad('each input must be an object');
  if (input.name !== INPUT_NAME) throw bad(`unknown input ${JSON.stringify(input.name)?.slice(0, 60)}: this model's input is '${INPUT_NAME}'`);
  if (input.datatype !== 'FP32') {
    throw new HttpError(400, 'ERR_INPUT_DTYPE', `input 'input': datatype must be FP32, got ${JSON.stringify(input.datatype)?.slice(0, 40)}`);
  }
  const dims = checkShape(input.shape, limits);
  const count = dims[0] * dims[1] * dims[2] * dims[3];
  const data = new Float32Array(count);
  const params = input.parameters;
  if (params !== undefined && !isObject(params)) throw bad("input 'input': parameters must be an object");
  const binarySize = isObject(params) ? params.binary_data_size : undefined;
  if (binarySize !== undefined) {
    if (headerLength === undefined) throw bad("input 'input': binary_data_size without an Inference-Header-Content-Length header");
    if (binarySize !== count * 4) throw bad(`input 'input': binary_data_size must be ${count * 4} (${count} FP32 values), got ${JSON.stringify(binarySize)?.slice(0, 40)}`);
    if (input.data !== undefined) throw bad("input 'input': both data and binary_data_size given");
    if (binary.length !== count * 4) {
      throw bad(`input 'input': the binary data is ${binary.length} bytes, not the ${count * 4} declared (truncated or extra bytes)`);
    }
    // Little-endian FP32, as the protocol sends it; copied so the request buffer can go.
    for (let i = 0; i < count; i++) data[i] = binary.readFloatLE(i * 4);
  } else {
    if (binary.length !== 0) throw bad('binary data after the JSON header, but no input declares binary_data_size');
    if (input.data === undefined) throw bad("input 'input': no data (give data, or binary_data_size with the binary extension)");
    const n = flattenInto(input.data, data);
    if (n !== count) throw new HttpError(400, 'ERR_INPUT_SHAPE', `input 'input': data has ${n} elements, its shape needs ${count}`);
  }
  return { id: request.id as string | undefined, data, dims, outputs: parseOutputs(request) };
}

/** One computed output. */
export interface OutputTensor {
  name: OutputName;
  dims: readonly number[];
  data: Float32Array;
  binary: boolean;
}

/**
 * The response body: JSON, or JSON followed by the binary outputs.
 * @returns the body and, when binary outputs are present, the JSON header's length
 * @throws never
 */
export function encodeInferResponse(modelName: string, id: string | undefined, outputs: readonly OutputTensor[]): { body: Buffer; headerLength?: number } {
  const binaries: Buffer[] = [];
  const json = {
    model_name: modelName,
    model_version: '1',
    ...(id === undefined ? {} : { id }),
    outputs: outputs.map((o) => {
      const base = { name: o.name, datatype: 'FP32', shape: [...o.dims] };
      if (!o.binary) return { ...base, data: Array.from(o.data) };
      const bytes = Buffer.alloc(o.data.length * 4);
      o.data.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
      binaries.push(bytes);
      return { ...base, parameters: { binary_data_size: bytes.length } };
    }),
  };
  const header = Buffer.from(JSON.stringify(json), 'utf8');
  if (binaries.length === 0) return { body: header };
  return { body: Buffer.concat([header, ...binaries]), headerLength: header.length };
}
