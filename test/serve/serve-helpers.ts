// Shared by the server tests: a started server and small request helpers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInferenceServer, type InferenceServer, type ServeOptions } from '../../lib/serve';

export const PHOTO = readFileSync(path.join(__dirname, '../fixtures/images/chelsea-landscape.png'));
export const PHOTO2 = readFileSync(path.join(__dirname, '../fixtures/images/coffee-square.png'));

/** A server on a free loopback port. */
export async function startServer(options: ServeOptions): Promise<{ server: InferenceServer; url: string }> {
  const server = await createInferenceServer(options);
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, url };
}

/** The JSON body and status of a response. */
export async function json(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A PNG whose header declares width x height RGB pixels (with no pixel data: a decompression bomb's header). */
export function pngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(0)), chunk('IEND', Buffer.alloc(0))]);
}
