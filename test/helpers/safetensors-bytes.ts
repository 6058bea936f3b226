/** Build safetensors files by hand (including broken ones) for the reader tests. */

/**
 * [u64 LE header length][header][data]. `header` is JSON-encoded unless it is already a string;
 * `declaredLength` overrides the length field (to lie about it).
 */
export function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0), declaredLength?: bigint): Buffer {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(declaredLength ?? BigInt(text.length));
  return Buffer.concat([len, text, data]);
}

/** n little-endian float32 values 0, 1, 2, ... as bytes. */
export function f32Bytes(n: number): Uint8Array {
  return new Uint8Array(Float32Array.from({ length: n }, (_, i) => i).buffer);
}
