import { describe, expect, it } from 'vitest';
import { EfficientNetError } from '../../lib/errors';
import { floatToBf16Bits, floatToHalfBits, MAX_HEADER_BYTES, parseSafetensors, writeSafetensors, type TensorData } from '../../lib/weights';
import { f32Bytes, rawSafetensors } from '../helpers/safetensors-bytes';

function expectFormatError(bytes: Uint8Array, message: RegExp): void {
  let err: unknown;
  try {
    parseSafetensors(bytes);
  } catch (e) {
    err = e;
  }
  expect(err, 'should throw').toBeInstanceOf(EfficientNetError);
  expect((err as EfficientNetError).code).toBe('ERR_WEIGHTS_FORMAT');
  expect((err as EfficientNetError).message).toMatch(message);
}

describe('round trip', () => {
  const tensors = new Map<string, TensorData>([
    ['a.f32', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([0, -1.5, 3.25, 1e-30, -7e20, Math.PI]) }],
    ['b.f16', { dtype: 'F16', shape: [6], data: Float32Array.from([0, -2, 0.5, 65504, 2 ** -24, -Infinity]) }],
    ['c.bf16', { dtype: 'BF16', shape: [1, 4], data: Float32Array.from([1, -3.5, 2 ** 100, 0.15625]) }],
    ['d.i64', { dtype: 'I64', shape: [], data: BigInt64Array.from([-9007199254740993n]) }],
    ['e.empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
    ['f.i64', { dtype: 'I64', shape: [3], data: BigInt64Array.from([1n, 2n, 3n]) }],
  ]);
  it('writes and parses every dtype, scalar and empty tensors, metadata', () => {
    const bytes = writeSafetensors(tensors, { format: 'pt', note: 'x' });
    expect(bytes.readBigUInt64LE(0) % 8n).toBe(0n); // header padded: data section aligned
    const back = parseSafetensors(bytes);
    expect([...back.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      const b = back.get(name)!;
      expect(b.dtype, name).toBe(t.dtype);
      expect(b.shape, name).toEqual(t.shape);
      expect(b.data, name).toEqual(t.data); // all values chosen to be exact in their dtype
    }
  });
  it('rounds F32 to F16/BF16 to nearest even', () => {
    expect(floatToHalfBits(1)).toBe(0x3c00);
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(floatToHalfBits(65520)).toBe(0x7c00); // overflows to inf
    expect(floatToHalfBits(2 ** -25 * 1.5)).toBe(0x0001); // subnormal rounding
    expect(floatToHalfBits(NaN) & 0x7fff).toBeGreaterThan(0x7c00);
    expect(floatToBf16Bits(1)).toBe(0x3f80);
    expect(floatToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(floatToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });
  it('reads from unaligned buffers and copies the data', () => {
    const bytes = writeSafetensors({ x: { dtype: 'F32', shape: [3], data: Float32Array.from([1, 2, 3]) } });
    const shifted = Buffer.alloc(bytes.length + 1);
    bytes.copy(shifted, 1);
    const view = shifted.subarray(1);
    const t = parseSafetensors(view).get('x')!;
    expect(t.data).toEqual(Float32Array.from([1, 2, 3]));
    view.fill(0);
    expect(t.data).toEqual(Float32Array.from([1, 2, 3]));
  });
  it('accepts a header with trailing spaces and only metadata', () => {
    expect(parseSafetensors(rawSafetensors('{"__metadata__":{"a":"b"}}   ')).size).toBe(0);
  });
});

describe('hostile files -> ERR_WEIGHTS_FORMAT', () => {
  const ok = { w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } };
  const good = rawSafetensors(ok, f32Bytes(4));
  it('sanity: the good file parses', () => {
    expect(parseSafetensors(good).get('w')!.data).toEqual(Float32Array.from([0, 1, 2, 3]));
  });
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty file', new Uint8Array(0), /0 bytes, too short .*truncated/],
    ['truncated length field', new Uint8Array(5), /5 bytes, too short/],
    ['truncated data', good.subarray(0, good.length - 3), /tensor 'w'.*beyond the data section \(13 bytes; truncated/],
    ['header length beyond the file', rawSafetensors(ok, f32Bytes(4), 5000n), /says 5000 bytes but only \d+ bytes follow/],
    ['huge header length', rawSafetensors(ok, f32Bytes(4), 1n << 40n), /above the 104857600-byte limit/],
    ['header length just above the cap', rawSafetensors(ok, f32Bytes(4), BigInt(MAX_HEADER_BYTES + 1)), /limit/],
    ['zero header length', rawSafetensors('', new Uint8Array(0)), /header is empty/],
    ['non-JSON header', rawSafetensors('{"w": {dtype', f32Bytes(4)), /not valid JSON/],
    ['non-UTF-8 header', Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0xc3, 0x28])]), /not valid UTF-8/],
    ['header an array', rawSafetensors([1, 2]), /must be a JSON object but is an array/],
    ['header a number', rawSafetensors('42'), /must be a JSON object but is number/],
    ['header null', rawSafetensors('null'), /but is null/],
    ['entry not an object', rawSafetensors({ w: 3 }), /tensor 'w': entry is not an object/],
    ['missing dtype', rawSafetensors({ w: { shape: [1], data_offsets: [0, 4] } }, f32Bytes(1)), /tensor 'w': missing 'dtype'/],
    ['missing data_offsets', rawSafetensors({ w: { dtype: 'F32', shape: [1] } }, f32Bytes(1)), /missing 'data_offsets'/],
    ['unknown dtype', rawSafetensors({ w: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, f32Bytes(1)), /tensor 'w': unknown dtype 'Q7'/],
    // Names of Object.prototype's members are not dtypes or fields (an `in` check would say they are).
    ['dtype toString', rawSafetensors({ w: { dtype: 'toString', shape: [1], data_offsets: [0, 4] } }, f32Bytes(1)), /tensor 'w': unknown dtype 'toString'/],
    ['dtype __proto__', rawSafetensors({ w: { dtype: '__proto__', shape: [1], data_offsets: [0, 4] } }, f32Bytes(1)), /unknown dtype '__proto__'/],
    ['unsupported dtype', rawSafetensors({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /dtype F64 is not supported/],
    ['shape/size mismatch', rawSafetensors({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 16] } }, f32Bytes(4)), /tensor 'w': shape \[2,3\] of F32 needs 24 bytes but data_offsets \[0, 16\] span 16/],
    ['negative shape', rawSafetensors({ w: { dtype: 'F32', shape: [-1, 4], data_offsets: [0, 16] } }, f32Bytes(4)), /tensor 'w': shape \[-1,4\] is not a list of .*non-negative integers/],
    ['non-integer shape', rawSafetensors({ w: { dtype: 'F32', shape: [2.5, 4], data_offsets: [0, 16] } }, f32Bytes(4)), /shape \[2.5,4\]/],
    ['shape not a list', rawSafetensors({ w: { dtype: 'F32', shape: '4', data_offsets: [0, 16] } }, f32Bytes(4)), /shape "4"/],
    ['offsets out of range', rawSafetensors({ w: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, f32Bytes(4)), /data_offsets \[0, 32\] reach beyond the data section \(16 bytes/],
    ['offsets reversed', rawSafetensors({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, f32Bytes(4)), /end before they begin/],
    ['offsets not integers', rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [0, '4'] } }, f32Bytes(1)), /not a pair of non-negative integers/],
    ['offsets huge', rawSafetensors({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 2 ** 60] } }, f32Bytes(1)), /data_offsets/],
    [
      'overlapping offsets',
      rawSafetensors(
        { a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } },
        f32Bytes(4),
      ),
      /tensors 'a' \[0, 12\] and 'b' \[8, 16\] overlap/,
    ],
    ['gap before a tensor', rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, f32Bytes(4)), /bytes 0..8 .* belong to no tensor \(before 'a'\)/],
    ['trailing bytes', rawSafetensors({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32Bytes(4)), /8 trailing bytes/],
    ['metadata not strings', rawSafetensors({ __metadata__: { a: 1 } }), /__metadata__ value 'a' must be a string/],
    ['metadata not an object', rawSafetensors({ __metadata__: 'x' }), /__metadata__ must be an object/],
    // Hostile nesting and length: a short message, never a RangeError from describing the value.
    ['shape nested 5000 deep', rawSafetensors(`{"w":{"dtype":"F32","shape":${'['.repeat(5000)}${']'.repeat(5000)},"data_offsets":[0,0]}}`), /shape (\[{120}… \(10000 characters\)|array of length 1) is not a list/],
    ['shape nested 1000 deep', rawSafetensors(`{"w":{"dtype":"F32","shape":${'['.repeat(1000)}${']'.repeat(1000)},"data_offsets":[0,0]}}`), /shape \[{120}… \(2000 characters\) is not a list/],
    ['a 100000-character tensor name', rawSafetensors({ ['n'.repeat(100_000)]: 3 }), /tensor 'n{120}…' \(100000 characters\): entry is not an object/],
  ];
  it.each(cases)('%s', (_name, bytes, message) => {
    expectFormatError(bytes, message);
  });
  it('keeps every message of the hostile cases under 400 characters', () => {
    for (const [, bytes] of cases) {
      let message = '';
      try {
        parseSafetensors(bytes);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message.length).toBeLessThan(400);
    }
  });
  it('every message starts with a common prefix a user can search for', () => {
    expectFormatError(new Uint8Array(3), /^invalid safetensors file: /);
  });
  it('rejects a non-buffer argument with a TypeError', () => {
    expect(() => parseSafetensors('x' as never)).toThrow(TypeError);
  });
});

describe('writer checks', () => {
  it('rejects data that does not match the shape or dtype', () => {
    expect(() => writeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float32Array(3) } })).toThrow(/Expected 2 elements for x/);
    expect(() => writeSafetensors({ x: { dtype: 'I64', shape: [1], data: new Float32Array(1) } })).toThrow(TypeError);
    expect(() => writeSafetensors({ x: { dtype: 'F64' as never, shape: [1], data: new Float32Array(1) } })).toThrow(RangeError);
  });
});
