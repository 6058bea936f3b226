/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors, format section):
 *   [u64 little-endian N][N bytes UTF-8 JSON header][data section]
 * header: { "__metadata__"?: {string: string}, name: { dtype, shape, data_offsets: [begin, end] } }
 * with offsets relative to the data section. The reader validates the whole header BEFORE it reads
 * a byte of tensor data, and every failure is an ERR_WEIGHTS_FORMAT that says what is wrong and
 * with which tensor: a weight file is untrusted input.
 */

import { clipInput, describeValue, EfficientNetError, quoteInput } from '../errors';

/** Dtypes this reader converts (F16/BF16 become float32 on read). */
export type Dtype = 'F32' | 'F16' | 'BF16' | 'I64';

/** One tensor. `dtype` is the dtype in the file; float dtypes are always held as Float32Array. */
export interface TensorData {
  dtype: Dtype;
  shape: number[];
  data: Float32Array | BigInt64Array;
}

/** Largest header accepted: real headers are tens of KB; this bounds memory on hostile files. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const SIZES: Record<Dtype, number> = { F32: 4, F16: 2, BF16: 2, I64: 8 };
// Valid in the format but not useful for EfficientNet weights: named as unsupported, not unknown.
const OTHER_DTYPES = new Set(['F64', 'I32', 'I16', 'I8', 'U8', 'U16', 'U32', 'U64', 'BOOL', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): EfficientNetError {
  return new EfficientNetError('ERR_WEIGHTS_FORMAT', `invalid safetensors file: ${message}`);
}

let halfTable: Float32Array | undefined;
/** float16 bits -> float32, all 65536 values precomputed once (subnormals, inf and NaN included). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * float32 -> float16 bits, round to nearest even (as numpy/torch do); overflow gives inf.
 *
 * @param v - the value (rounded to float32 first)
 * @returns the 16-bit pattern
 * @throws never
 */
export function floatToHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa lands in the exponent, which is the correct rounding (up to inf).
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/**
 * float32 -> bfloat16 bits, round to nearest even; NaN stays a quiet NaN.
 *
 * @param v - the value (rounded to float32 first)
 * @returns the 16-bit pattern
 * @throws never
 */
export function floatToBf16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff; // quiet NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

// The JSON of a shape or offsets value, cut short (a hostile header may nest it thousands deep or
// make it megabytes long; stringifying a deep nest can also overflow the stack).
function describeShape(shape: unknown): string {
  try {
    return clipInput(JSON.stringify(shape) ?? describeValue(shape));
  } catch {
    return describeValue(shape);
  }
}

interface Entry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parse a safetensors file.
 *
 * @param bytes - the whole file
 * @returns tensor name -> tensor, in header order (data copied, so it is aligned and owned)
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT when the file is truncated, the header length is
 *   beyond the file or above {@link MAX_HEADER_BYTES}, the header is not UTF-8 JSON of an object,
 *   `__metadata__` is not an object of strings, an entry lacks dtype/shape/data_offsets, a dtype is
 *   unknown or unsupported, a shape is not a list of non-negative integers, a size does not match
 *   its offsets, offsets fall outside the data section, tensors overlap, or bytes are left uncovered
 */
export function parseSafetensors(bytes: Uint8Array): Map<string, TensorData> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`Expected a Uint8Array or Buffer for bytes but received ${typeof bytes}`);
  if (bytes.length < 8) {
    throw fail(`the file is ${bytes.length} bytes, too short for the 8-byte header length (truncated or empty file?)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (hi !== 0 || headerLen > MAX_HEADER_BYTES) {
    throw fail(`the header length field says ${headerLen} bytes, above the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  }
  if (headerLen > bytes.length - 8) {
    throw fail(`the header length field says ${headerLen} bytes but only ${bytes.length - 8} bytes follow it (truncated file?)`);
  }
  if (headerLen === 0) throw fail('the header is empty (length 0)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw fail(`the header must be a JSON object but is ${Array.isArray(header) ? 'an array' : header === null ? 'null' : typeof header}`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw fail(`__metadata__ value ${quoteInput(k)} must be a string but is ${typeof v}`);
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(`tensor ${quoteInput(name)}: entry is not an object`);
    const r = raw as Record<string, unknown>;
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      if (!Object.hasOwn(r, field)) throw fail(`tensor ${quoteInput(name)}: missing '${field}'`);
    }
    const dtype = r.dtype;
    if (typeof dtype !== 'string') throw fail(`tensor ${quoteInput(name)}: dtype must be a string`);
    if (!Object.hasOwn(SIZES, dtype)) {
      if (OTHER_DTYPES.has(dtype)) throw fail(`tensor ${quoteInput(name)}: dtype ${dtype} is not supported (supported: F32, F16, BF16, I64); convert the file`);
      throw fail(`tensor ${quoteInput(name)}: unknown dtype ${quoteInput(dtype)}`);
    }
    const shape = r.shape;
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw fail(`tensor ${quoteInput(name)}: shape ${describeShape(shape)} is not a list of at most 8 non-negative integers`);
    }
    const offs = r.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw fail(`tensor ${quoteInput(name)}: data_offsets ${describeShape(offs)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) throw fail(`tensor ${quoteInput(name)}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) {
      throw fail(`tensor ${quoteInput(name)}: data_offsets [${begin}, ${end}] reach beyond the data section (${dataLen} bytes; truncated file?)`);
    }
    // end <= dataLen bounds the product, so it cannot overflow before the comparison fails.
    let bytesNeeded = SIZES[dtype as Dtype];
    for (const d of shape as number[]) bytesNeeded *= d;
    if (bytesNeeded !== end - begin) {
      throw fail(`tensor ${quoteInput(name)}: shape ${describeShape(shape)} of ${dtype} needs ${bytesNeeded} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    entries.push({ name, dtype: dtype as Dtype, shape: (shape as number[]).slice(), begin, end });
  }
  // The format requires the tensors to tile the data section exactly: no overlap, no gap.
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < pos) throw fail(`tensors ${quoteInput(prev!.name)} [${prev!.begin}, ${prev!.end}] and ${quoteInput(e.name)} [${e.begin}, ${e.end}] overlap`);
    if (e.begin > pos) throw fail(`bytes ${pos}..${e.begin} of the data section belong to no tensor (before ${quoteInput(e.name)})`);
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLen) throw fail(`the data section has ${dataLen - pos} trailing bytes after the last tensor ending at ${pos}`);

  const out = new Map<string, TensorData>();
  for (const e of entries) {
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    out.set(e.name, { dtype: e.dtype, shape: e.shape, data: decodeTensorBytes(e.dtype, src) });
  }
  return out;
}

/**
 * Little-endian tensor bytes -> values (F16/BF16 widened to float32). The bytes are copied.
 *
 * @param dtype - the element type
 * @param src - the bytes, a whole number of elements
 * @returns the values
 * @throws never
 */
export function decodeTensorBytes(dtype: Dtype, src: Uint8Array): Float32Array | BigInt64Array {
  // Copy into a fresh buffer: aligned for the typed-array view, and independent of the caller's bytes.
  const copy = new Uint8Array(src.length);
  copy.set(src);
  if (dtype === 'F32' || dtype === 'I64') {
    const size = SIZES[dtype];
    if (!LITTLE_ENDIAN_HOST) {
      for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
    }
    return dtype === 'F32' ? new Float32Array(copy.buffer) : new BigInt64Array(copy.buffer);
  }
  const n = copy.length / 2;
  const out = new Float32Array(n);
  if (dtype === 'F16') {
    const t = halfToFloatTable();
    for (let i = 0; i < n; i++) out[i] = t[copy[2 * i]! | (copy[2 * i + 1]! << 8)]!;
  } else {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = ((copy[2 * i]! | (copy[2 * i + 1]! << 8)) << 16) >>> 0;
  }
  return out;
}

/**
 * Write a safetensors file (for tests and tools). F32/F16/BF16 tensors take a Float32Array
 * (F16/BF16 are rounded to nearest even), I64 a BigInt64Array. The header is padded with spaces to
 * a multiple of 8 bytes, as the reference writer does, so F32 data is aligned in the file.
 *
 * @param tensors - name -> tensor, written in iteration order
 * @param metadata - optional `__metadata__` (string values)
 * @returns the file bytes
 * @throws TypeError/RangeError when a tensor's dtype, data type or length does not match its shape
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, TensorData> | Readonly<Record<string, TensorData>>,
  metadata?: Readonly<Record<string, string>>,
): Buffer {
  const list: Array<[string, TensorData]> = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`Expected a string for metadata.${k} but received ${typeof v}`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new RangeError('Expected a tensor name other than __metadata__ but received __metadata__');
    if (!Object.hasOwn(SIZES, t.dtype)) throw new RangeError(`Expected F32, F16, BF16 or I64 for ${name}.dtype but received ${String(t.dtype)}`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new RangeError(`Expected ${n} elements for ${name} of shape [${t.shape.join(', ')}] but received ${t.data.length}`);
    let chunk: Uint8Array;
    if (t.dtype === 'I64') {
      if (!(t.data instanceof BigInt64Array)) throw new TypeError(`Expected a BigInt64Array for ${name}.data (I64)`);
      chunk = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
    } else {
      if (!(t.data instanceof Float32Array)) throw new TypeError(`Expected a Float32Array for ${name}.data (${t.dtype})`);
      if (t.dtype === 'F32') {
        chunk = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
      } else {
        const h = new Uint16Array(n);
        const conv = t.dtype === 'F16' ? floatToHalfBits : floatToBf16Bits;
        for (let i = 0; i < n; i++) h[i] = conv(t.data[i]!);
        chunk = new Uint8Array(h.buffer);
      }
    }
    if (!LITTLE_ENDIAN_HOST) {
      const size = SIZES[t.dtype];
      for (let i = 0; i < chunk.length; i += size) chunk.subarray(i, i + size).reverse();
    }
    header[name] = { dtype: t.dtype, shape: t.shape.slice(), data_offsets: [offset, offset + chunk.length] };
    offset += chunk.length;
    chunks.push(chunk);
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...chunks]);
}
