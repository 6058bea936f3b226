/**
 * Turning what a caller passes as a tensor into the NHWC float32 batch the core reads.
 * Accepts a bare Float32Array (NCHW, batch inferred) or `{ data, dims }` in NCHW (default) or
 * NHWC. {@link checkInput} only validates (run() hands the caller's array and its layout to the
 * core, whose copy transposes NCHW on the way); {@link prepareInput} also copies into an NHWC
 * buffer the library owns, for paths that hold the batch across an await (batching, CAM), so the
 * caller may reuse or mutate its own array while the work is in flight.
 */
import { EfficientNetError, describeValue, invalidParameterError, is } from '../errors';
import type { Layout } from '../image';

/** A tensor-like input: row-major `data` over `dims`. */
export interface TensorLike {
  data: Float32Array;
  dims: readonly number[];
}

// Declared with the preprocessing that writes either order; re-exported for run()'s callers.
export { LAYOUTS, type Layout } from '../image';

/** The batch ready for the core. */
export interface PreparedInput {
  nhwc: Float32Array;
  batch: number;
}

/** A validated tensor: the caller's own data, in `layout`. */
export interface CheckedInput {
  data: Float32Array;
  batch: number;
}

function shapeText(dims: readonly number[]): string {
  return `[${dims.join(', ')}]`;
}

/**
 * Validates and converts an input batch.
 * @param input - Float32Array (NCHW) or { data, dims }
 * @param layout - layout of `input`
 * @param resolution - the model's input height and width
 * @throws {EfficientNetError} ERR_INPUT_DTYPE for a non-float32 array; ERR_INPUT_SHAPE for dims
 *   that do not match the model
 * @throws {TypeError} for something that is not an array or tensor at all
 */
export function checkInput(input: unknown, layout: Layout, resolution: number): CheckedInput {
  const perImage = 3 * resolution * resolution;
  let data: unknown;
  let dims: readonly number[];
  if (ArrayBuffer.isView(input)) {
    data = input;
    const length = (input as unknown as { length?: number }).length ?? 0;
    const batch = length / perImage;
    dims = layout === 'nchw' ? [batch, 3, resolution, resolution] : [batch, resolution, resolution, 3];
    if (input instanceof Float32Array && (!Number.isInteger(batch) || batch < 1)) {
      throw new EfficientNetError(
        'ERR_INPUT_SHAPE',
        `Expected a multiple of ${perImage} values (3 x ${resolution} x ${resolution} per image) ` +
          `but received ${length}`,
      );
    }
  } else if (is.plainObject(input) && 'data' in input && 'dims' in input) {
    data = input.data;
    if (!Array.isArray(input.dims) || !input.dims.every((d) => Number.isInteger(d) && d >= 0)) {
      throw invalidParameterError('input.dims', 'an array of non-negative integers', input.dims, 'type');
    }
    dims = input.dims as number[];
  } else {
    throw invalidParameterError('input', 'a Float32Array or { data: Float32Array, dims: number[] }', input);
  }
  if (!(data instanceof Float32Array)) {
    throw new EfficientNetError(
      'ERR_INPUT_DTYPE',
      `Expected float32 input data but received ${describeValue(data)}; convert it with Float32Array.from(...)`,
    );
  }
  const want =
    layout === 'nchw' ? [dims[0], 3, resolution, resolution] : [dims[0], resolution, resolution, 3];
  if (dims.length !== 4 || !dims.every((d, i) => d === want[i]) || dims[0] < 1) {
    throw new EfficientNetError(
      'ERR_INPUT_SHAPE',
      `Expected ${layout.toUpperCase()} dims ${shapeText(['N', ...want.slice(1)] as unknown as number[])} ` +
        `with N >= 1 for this model but received ${shapeText(dims)}`,
    );
  }
  if (data.length !== dims.reduce((a, b) => a * b, 1)) {
    throw new EfficientNetError(
      'ERR_INPUT_SHAPE',
      `input.data holds ${data.length} values but dims ${shapeText(dims)} need ${dims.reduce((a, b) => a * b, 1)}`,
    );
  }
  return { data, batch: dims[0] };
}

/**
 * {@link checkInput}, then a copy in NHWC order.
 * @throws as {@link checkInput}
 */
export function prepareInput(input: unknown, layout: Layout, resolution: number): PreparedInput {
  const { data, batch } = checkInput(input, layout, resolution);
  if (layout === 'nhwc') return { nhwc: data.slice(), batch };
  // NCHW -> NHWC, one plane at a time (sequential reads, strided writes).
  const perImage = 3 * resolution * resolution;
  const nhwc = new Float32Array(data.length);
  const hw = resolution * resolution;
  for (let n = 0; n < batch; n++) {
    const base = n * perImage;
    for (let c = 0; c < 3; c++) {
      const src = base + c * hw;
      for (let p = 0, dst = base + c; p < hw; p++, dst += 3) nhwc[dst] = data[src + p];
    }
  }
  return { nhwc, batch };
}
