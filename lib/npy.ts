/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0), float32 little-endian C-order only: what
 * `np.save(path, x.astype(np.float32))` writes. Used by `efficientnet run` to exchange batches and
 * logits with Python.
 */
import { EfficientNetError, quoteInput } from './errors';
import { parseNpyHeader, type NpyHeader } from './npy-header';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** A float32 array and its shape. */
export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

function fail(message: string): never {
  throw new EfficientNetError('ERR_NPY_FORMAT', message);
}

/**
 * Parses a .npy file.
 * @param bytes - the whole file
 * @param what - how to name the file in errors (e.g. its path)
 * @throws {EfficientNetError} ERR_NPY_FORMAT when the file is not a float32 C-order .npy
 */
export function parseNpy(bytes: Uint8Array, what = 'the .npy input'): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    fail(`${what} is not a .npy file (it does not start with \\x93NUMPY)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(`${what} is truncated inside its .npy preamble`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    fail(`${what} uses .npy format version ${major}.${bytes[7]}; versions 1.0, 2.0 and 3.0 are supported`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail(`${what} is truncated: its header claims ${headerLen} bytes`);
  const header = Buffer.from(bytes.subarray(headerStart, dataStart)).toString(major === 3 ? 'utf8' : 'latin1');

  let parsed: NpyHeader;
  try {
    parsed = parseNpyHeader(header);
  } catch (err) {
    fail(`${what} has a malformed .npy header: ${(err as Error).message}`);
  }
  const { descr, fortranOrder, shape } = parsed;
  if (descr !== '<f4' && descr !== '|f4' && descr !== 'float32') {
    fail(`${what} holds dtype ${quoteInput(descr, 20)}; only float32 ('<f4') is supported: save it with x.astype(np.float32)`);
  }
  if (fortranOrder) {
    fail(`${what} is in Fortran order; save a C-order array (np.ascontiguousarray(x))`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const byteLength = count * 4;
  if (bytes.length - dataStart !== byteLength) {
    fail(
      `${what} should hold ${count} float32 values (shape [${shape.join(', ')}], ${byteLength} bytes) ` +
        `but has ${bytes.length - dataStart} bytes of data`,
    );
  }
  // Copy: the source may be unaligned for a Float32Array view.
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + byteLength));
  return { shape, data };
}

/**
 * Encodes a float32 array as a version 1.0 .npy file.
 * @throws {RangeError} when shape and data length disagree
 */
export function encodeNpy(array: NpyArray): Buffer {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new RangeError(
      `Expected ${count} values for shape [${array.shape.join(', ')}] but received ${array.data.length}`,
    );
  }
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // The preamble (10 bytes) plus header must be a multiple of 64, the header ending in '\n'.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = Buffer.alloc(total + count * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  Buffer.from(array.data.buffer, array.data.byteOffset, count * 4).copy(out, total);
  return out;
}
