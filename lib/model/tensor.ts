/**
 * A minimal dense tensor, shaped like onnxruntime's (`type`, `dims`, `data`).
 */

/** A float32 tensor: `data` in row-major order over `dims`. */
export class Tensor {
  readonly type = 'float32' as const;
  readonly dims: readonly number[];
  readonly data: Float32Array;

  /**
   * @throws {RangeError} when `data.length` is not the product of `dims`
   */
  constructor(data: Float32Array, dims: readonly number[]) {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) {
      throw new RangeError(`Expected ${size} values for dims [${dims.join(', ')}] but received ${data.length}`);
    }
    this.data = data;
    this.dims = Object.freeze([...dims]);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Row `i` of a 2-D tensor (a view, no copy), e.g. one image's logits. */
  row(i: number): Float32Array {
    if (this.dims.length !== 2 || !Number.isInteger(i) || i < 0 || i >= this.dims[0]) {
      throw new RangeError(`Expected a row index below ${this.dims[0]} of a 2-D tensor but received ${i}`);
    }
    const n = this.dims[1];
    return this.data.subarray(i * n, (i + 1) * n);
  }
}
