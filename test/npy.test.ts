import { describe, expect, it } from 'vitest';
import { EfficientNetError } from '../lib/errors';
import { encodeNpy, parseNpy } from '../lib/npy';

function npyWithHeader(header: string, dataBytes: number, major = 1): Buffer {
  const pre = major === 1 ? 10 : 12;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  const h = header.padEnd(total - pre - 1, ' ') + '\n';
  const out = Buffer.alloc(total + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  if (major === 1) out.writeUInt16LE(h.length, 8);
  else out.writeUInt32LE(h.length, 8);
  out.write(h, pre, 'latin1');
  return out;
}

describe('npy', () => {
  it.each([[[2, 3, 4, 5]], [[7]], [[0, 3]], [[]]])('round-trips shape %j', (shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
    const bytes = encodeNpy({ shape, data });
    expect((bytes.length - n * 4) % 64).toBe(0); // data starts 64-byte aligned, as numpy writes it
    const back = parseNpy(bytes);
    expect(back.shape).toEqual(shape);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('reads version 2.0 headers', () => {
    const bytes = npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, 2);
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(bytes.length - 4, 1.5, true);
    expect(Array.from(parseNpy(bytes).data)).toEqual([0, 1.5]);
  });

  it.each([
    ['not npy', Buffer.from('hello world, not a numpy file'), /not a \.npy file/],
    ['float64', npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16), /dtype '<f8'.*astype\(np\.float32\)/],
    ['int32', npyWithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8), /dtype '<i4'/],
    ['fortran', npyWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16), /Fortran order/],
    ['short data', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8), /should hold 3 float32 values/],
    ['bad header', npyWithHeader('{garbage}', 8), /malformed \.npy header/],
    ['bad version', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, 9), /version 9\.0/],
    // The header is a dict literal parsed strictly: junk the old pattern matching let through.
    ['junk before a key', npyWithHeader("{x'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8), /expected a quoted string at character 1/],
    ['junk between entries', npyWithHeader("{'descr': '<f4' junk, 'fortran_order': False, 'shape': (2,), }", 8), /expected ',' or '}'/],
    ['an unknown key', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8), /unexpected key "x"/],
    ['a duplicate key', npyWithHeader("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8), /duplicate key 'descr'/],
    ['a missing key', npyWithHeader("{'descr': '<f4', 'shape': (2,), }", 8), /missing key 'fortran_order'/],
    ['(2) for a 1-d shape', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8), /trailing comma/],
    ['text after the dict', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", 8), /unexpected text after the dict/],
    ['a negative dimension', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8), /non-negative integer/],
    ['65 dimensions', npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (${'1, '.repeat(65)}), }`, 4), /more than 64 dimensions/],
  ])('rejects %s with ERR_NPY_FORMAT', (_name, bytes, message) => {
    let caught: unknown;
    try {
      parseNpy(bytes, 'x.npy');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EfficientNetError);
    expect((caught as EfficientNetError).code).toBe('ERR_NPY_FORMAT');
    expect((caught as Error).message).toMatch(message);
  });

  it('keeps the message short for a header with a million dimensions', () => {
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${'1, '.repeat(1_000_000)}), }`;
    const bytes = npyWithHeader(header, 4, 2);
    let message = '';
    try {
      parseNpy(bytes, 'x.npy');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/more than 64 dimensions/);
    expect(message.length).toBeLessThan(400);
  });

  it('rejects a truncated header length', () => {
    const bytes = npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
    bytes.writeUInt16LE(60000, 8);
    expect(() => parseNpy(bytes)).toThrow(/truncated/);
  });

  it('rejects data that does not match the shape on encode', () => {
    expect(() => encodeNpy({ shape: [2, 2], data: new Float32Array(3) })).toThrow(RangeError);
  });
});
