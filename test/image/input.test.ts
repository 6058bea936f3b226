// Sources, formats, options and bad input for lib/image, and the native resampler's guards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { EfficientNetError } from '../../lib/errors';
import { preprocess, preprocessEach, resampleImage, torchvisionPolicy, type PreprocessPolicy } from '../../lib/image';
import { loadSharp } from '../../lib/image/decode';
import { getNative } from '../../lib/native';

const DIR = join(__dirname, '..', 'fixtures', 'images');
const LANDSCAPE = join(DIR, 'chelsea-landscape.png');
const ALPHA = join(DIR, 'coffee-alpha.png');
const SMALL: PreprocessPolicy = { kind: 'resize-crop', resizeSize: 72, cropSize: 64, interpolation: 'bicubic', mean: [0, 0, 0], std: [1, 1, 1] };

// A PNG whose header claims width x height RGB pixels, with a tiny (wrong) IDAT: the bomb guard
// must refuse it from the header, before decoding.
function pngClaiming(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(100))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EfficientNetError);
    return (err as EfficientNetError).code;
  }
  throw new Error('expected a rejection');
}

describe('sources and formats', () => {
  beforeAll(() => loadSharp());

  it('a path and the same bytes as a Buffer or a plain Uint8Array give the same batch', async () => {
    const bytes = readFileSync(LANDSCAPE);
    const a = await preprocess(LANDSCAPE, SMALL);
    const b = await preprocess(bytes, SMALL);
    const c = await preprocess(new Uint8Array(bytes), SMALL);
    expect(b.data).toEqual(a.data);
    expect(c.data).toEqual(a.data);
    expect(a.dims).toEqual([1, 3, 64, 64]);
  });

  it.each([
    ['webp', { lossless: true }],
    ['tiff', { compression: 'deflate' }],
    ['avif', { lossless: true }],
  ] as const)('%s (made losslessly from the PNG by sharp) decodes to the PNG\'s pixels', async (format, opts) => {
    const sharp = loadSharp();
    const encoded = await sharp(LANDSCAPE).toFormat(format, opts as object).toBuffer();
    const png = await preprocess(LANDSCAPE, SMALL, { resize: 'pil' });
    const other = await preprocess(encoded, SMALL, { resize: 'pil' });
    let max = 0;
    png.data.forEach((v, i) => (max = Math.max(max, Math.abs(v - other.data[i]))));
    // WebP and TIFF lossless are exact; AVIF "lossless" goes through YUV in libheif/aom: measured
    // max 0 here, allowed one step.
    expect(max * 255).toBeLessThanOrEqual(format === 'avif' ? 1.0001 : 0);
  });

  it('a grey image becomes three equal channels; 16-bit becomes 8-bit', async () => {
    const sharp = loadSharp();
    const grey = await sharp(LANDSCAPE).greyscale().png().toBuffer();
    const g = await preprocess(grey, SMALL, { resize: 'pil' });
    const plane = 64 * 64;
    for (let i = 0; i < plane; i += 97) {
      expect(g.data[i]).toBe(g.data[i + plane]);
      expect(g.data[i]).toBe(g.data[i + 2 * plane]);
    }
    const deep = await sharp(LANDSCAPE).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const d = await preprocess(deep, SMALL, { resize: 'pil' });
    const png = await preprocess(LANDSCAPE, SMALL, { resize: 'pil' });
    expect(d.data).toEqual(png.data);
  });

  it("alpha: 'white' composites onto white, 'drop' keeps the colour under transparent pixels", async () => {
    // The 30 x 30 top-left corner of the fixture is fully transparent; with B0's policy the crop's
    // first pixel comes from there.
    const policy = { ...torchvisionPolicy('b0'), mean: [0, 0, 0] as const, std: [1, 1, 1] as const };
    const white = await preprocess(ALPHA, policy, { resize: 'pil', alpha: 'white' });
    const drop = await preprocess(ALPHA, policy, { resize: 'pil' });
    const plane = 224 * 224;
    for (const c of [0, 1, 2]) expect(white.data[c * plane]).toBe(1);
    expect(drop.data[0]).toBeLessThan(0.9);
  });

  it('nhwc is nchw transposed; options.out is filled in place', async () => {
    const out = new Float32Array(2 * 3 * 64 * 64 + 5);
    const nhwc = await preprocess([LANDSCAPE, ALPHA], SMALL, { layout: 'nhwc', out });
    const nchw = await preprocess([LANDSCAPE, ALPHA], SMALL);
    expect(nhwc.dims).toEqual([2, 64, 64, 3]);
    expect(nhwc.data.buffer).toBe(out.buffer);
    const plane = 64 * 64;
    for (let n = 0; n < 2; n++) {
      for (let p = 0; p < plane; p += 31) {
        for (let c = 0; c < 3; c++) expect(nhwc.data[(n * plane + p) * 3 + c]).toBe(nchw.data[n * 3 * plane + c * plane + p]);
      }
    }
  });
});

describe('bad input', () => {
  beforeAll(() => loadSharp());
  const jpeg = readFileSync(join(DIR, 'coffee-exif6.jpg'));
  const png = readFileSync(LANDSCAPE);

  it.each([
    ['an empty buffer', Buffer.alloc(0), 'ERR_IMAGE_DECODE'],
    ['a text file', Buffer.from('this is not an image\n'), 'ERR_IMAGE_DECODE'],
    ['a truncated JPEG', jpeg.subarray(0, jpeg.length >> 1), 'ERR_IMAGE_DECODE'],
    ['a truncated PNG', png.subarray(0, png.length >> 1), 'ERR_IMAGE_DECODE'],
    ['a corrupt JPEG header', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]), 'ERR_IMAGE_DECODE'],
    ['a PNG header claiming 100000 x 100000', pngClaiming(100000, 100000), 'ERR_IMAGE_TOO_LARGE'],
    ['an SVG (not an accepted format)', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'), 'ERR_IMAGE_DECODE'],
    ['a missing path', join(DIR, 'no-such-image.png'), 'ERR_IMAGE_NOT_FOUND'],
    ['a directory', DIR, 'ERR_IMAGE_DECODE'],
  ])('%s -> %s', async (_what, source, code) => {
    for (const resize of ['sharp', 'pil'] as const) {
      expect(await codeOf(preprocess(source, SMALL, { resize }))).toBe(code);
    }
  });

  it('maxPixels overrides the default guard', async () => {
    expect(await codeOf(preprocess(LANDSCAPE, SMALL, { maxPixels: 1000 }))).toBe('ERR_IMAGE_TOO_LARGE');
    await expect(preprocess(LANDSCAPE, SMALL, { maxPixels: 241 * 167 })).resolves.toBeDefined();
  });

  it('argument errors are TypeError / RangeError with the house message', async () => {
    await expect(preprocess(42 as never, SMALL)).rejects.toThrow(TypeError);
    await expect(preprocess([], SMALL)).rejects.toThrow(RangeError);
    await expect(preprocess('', SMALL)).rejects.toThrow(/Expected a non-empty path for images/);
    await expect(preprocess(LANDSCAPE, SMALL, { resize: 'opencv' as never })).rejects.toThrow(/Expected 'sharp' or 'pil' for options.resize/);
    await expect(preprocess(LANDSCAPE, SMALL, { out: new Float32Array(10) })).rejects.toThrow(RangeError);
  });

  it('preprocess names the failing image; preprocessEach keeps the good ones', async () => {
    const missing = join(DIR, 'missing.jpg');
    await expect(preprocess([LANDSCAPE, missing], SMALL)).rejects.toThrow(/Image 1 \('.*missing\.jpg'\)/);
    const each = await preprocessEach([LANDSCAPE, Buffer.from('nope'), ALPHA], SMALL);
    expect(each.results.map((r) => r.ok)).toEqual([true, false, true]);
    const bad = each.results[1];
    expect(bad.ok === false && bad.error.code).toBe('ERR_IMAGE_DECODE');
    const plane = 3 * 64 * 64;
    expect(each.data.subarray(plane, 2 * plane).every((v) => v === 0)).toBe(true);
    const alone = await preprocess(ALPHA, SMALL);
    expect(each.data.subarray(2 * plane)).toEqual(alone.data);
    expect(each.results[0]).toMatchObject({ ok: true, index: 0, width: 241, height: 167 });
  });
});

describe('native resampler guards (through getNative())', () => {
  const params = { srcWidth: 4, srcHeight: 3, channels: 3, dstWidth: 2, dstHeight: 2, filter: 'bicubic' as const };
  const src = new Uint8Array(4 * 3 * 3);

  it('is exported by the addon', () => {
    expect(typeof (getNative() as unknown as { resampleImage?: unknown }).resampleImage).toBe('function');
  });

  it('resizes', async () => {
    await expect(resampleImage(src, params)).resolves.toHaveLength(2 * 2 * 3);
  });

  it.each([
    ['a buffer of the wrong size', { ...params, srcWidth: 5 }, 'ERR_INPUT_SHAPE'],
    ['an output side of 2^24 + 1', { ...params, dstWidth: 2 ** 24 + 1 }, RangeError],
    ['a whole output over 1 GiB (no window)', { ...params, dstWidth: 2 ** 24, dstHeight: 100 }, 'ERR_IMAGE_TOO_LARGE'],
    ['a source claiming 100000 x 100000', { ...params, srcWidth: 100000, srcHeight: 100000 }, 'ERR_INPUT_SHAPE'],
    ['a window outside the output', { ...params, window: { x: 1, y: 0, width: 2, height: 2 } }, 'ERR_INPUT_SHAPE'],
    ['a box outside the source', { ...params, box: [0, 0, 5, 3] as const }, 'ERR_INPUT_SHAPE'],
    ['a NaN box', { ...params, box: [0, 0, Number.NaN, 3] as const }, 'ERR_INPUT_SHAPE'],
    ['5 channels', { ...params, channels: 5 }, RangeError],
    ['an unknown filter', { ...params, filter: 'nearest' as never }, TypeError],
  ])('%s', async (_what, p, want) => {
    const run = resampleImage(src, p);
    if (typeof want === 'string') {
      await expect(run).rejects.toMatchObject({ code: want });
    } else {
      await expect(run).rejects.toThrow(want);
    }
  });

  it('refuses outputs over the per-buffer limit with ERR_IMAGE_TOO_LARGE', async () => {
    // 32768 x 32768 x 3 bytes = 3 GiB > the 1 GiB buffer cap; nothing is allocated.
    const err = await resampleImage(src, { ...params, dstWidth: 32768, dstHeight: 32768 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/refused/);
    expect((err as EfficientNetError).code).toBe('ERR_IMAGE_TOO_LARGE');
  });
});

// Only the crop of the resized image is computed, so no aspect ratio is too extreme: before, a
// shorter side of 256 made the longer one exceed the resampler's output limit (ERR_INTERNAL).
describe('extreme aspect ratios', () => {
  const B0 = torchvisionPolicy('b0');
  async function image(width: number, height: number, format: 'png' | 'gif'): Promise<Buffer> {
    const pixels = Buffer.alloc(width * height * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) & 0xff;
    return loadSharp()(pixels, { raw: { width, height, channels: 3 } })[format]().toBuffer();
  }
  it.each([
    { width: 1, height: 129, format: 'png', resize: 'sharp' },
    { width: 129, height: 1, format: 'png', resize: 'sharp' },
    { width: 64, height: 12800, format: 'gif', resize: 'sharp' },
    { width: 300, height: 40000, format: 'png', resize: 'pil' },
    { width: 40000, height: 300, format: 'png', resize: 'sharp' },
  ] as const)('$width x $height $format (resize $resize) gives a finite 224x224 crop', async ({ width, height, format, resize }) => {
    const bytes = await image(width, height, format);
    const batch = await preprocess([bytes], B0, { resize });
    expect(batch.dims).toEqual([1, 3, 224, 224]);
    expect(batch.data.every(Number.isFinite)).toBe(true);
  });
});

// The code of a failing path comes from the file system, not from sharp's message (which, under
// concurrency, sometimes did not say the file was missing: 1 batch in 200 got ERR_IMAGE_DECODE).
describe('path errors are decided by the file system', () => {
  it('a missing file is ERR_IMAGE_NOT_FOUND in every one of 100 concurrent batches', async () => {
    const missing = join(DIR, 'no-such-photo.png');
    const results = await Promise.all(
      Array.from({ length: 100 }, () => preprocess([LANDSCAPE, missing, ALPHA], SMALL).catch((e: unknown) => e)),
    );
    for (const err of results) {
      expect(err).toBeInstanceOf(EfficientNetError);
      expect((err as EfficientNetError).code).toBe('ERR_IMAGE_NOT_FOUND');
    }
  });

  it('a directory is ERR_IMAGE_DECODE saying so', async () => {
    const err = await preprocess([DIR], SMALL).catch((e: unknown) => e);
    expect((err as EfficientNetError).code).toBe('ERR_IMAGE_DECODE');
    expect((err as Error).message).toMatch(/is a directory/);
  });
});
