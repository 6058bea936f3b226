/**
 * Images in, the network's input batch out: decode (sharp), orient, drop or flatten alpha, resize,
 * crop and normalize as the weights' policy says, written straight into one Float32Array.
 *
 * Two resamplers:
 * - `resize: 'sharp'` (default): libvips' cubic/linear resize for reductions (fast on big photos;
 *   about 0.2 uint8 steps from PIL on average, see test/image/torchvision.test.ts), and the native
 *   Pillow-exact resampler for enlargements (libvips' upsampling is offset from PIL's).
 * - `resize: 'pil'`: decode with sharp, then native/image's Pillow-exact resampler. The uint8
 *   tensor (and hence the normalized one) equals torchvision's bit for bit for lossless formats.
 *
 * The defaults differ by mode on purpose: 'pil' means "what torchvision's ImageFolder loader does"
 * (alpha dropped, ICC profile ignored, like PIL's `convert('RGB')`), 'sharp' means "correct colour"
 * (alpha composited onto white, embedded ICC profile converted to sRGB). EXIF orientation is applied
 * in both (torchvision does not apply it; a sideways photo is rarely what anyone wants classified).
 */
import { EfficientNetError, checkNumber, invalidParameterError, is } from '../errors';
import {
  DEFAULT_MAX_PIXELS,
  checkSource,
  decodeResizedRgb,
  decodeRgb,
  describeSource,
  readHeader,
  type DecodeOptions,
  type ImageHeader,
  type ImageSource,
  type RgbImage,
} from './decode';
import { gateDecode } from './decode-gate';
import { centerCropRect, intersect, resizeShorterSide, tfCenterCropRect, type Rect } from './geometry';
import { resampleImage } from './native-image';
import { clearSlot, LAYOUTS, normalizeTable, writeNormalized, type Layout } from './normalize';
import { policyResolution, validatePolicy, type PreprocessPolicy } from './policy';

/** The resamplers: sharp's (fast) or the native Pillow-exact one ('pil'). */
export const RESIZE_MODES = ['sharp', 'pil'] as const;

/** One of {@link RESIZE_MODES}. */
export type ResizeMode = (typeof RESIZE_MODES)[number];

/** Options of {@link preprocess} and {@link preprocessEach}. */
export interface PreprocessOptions {
  /** 'sharp' (default, fast) or 'pil' (bit-exact torchvision/Pillow, native). */
  resize?: ResizeMode;
  /** 'nchw' (default, torchvision's order) or 'nhwc' (what the native core reads). */
  layout?: Layout;
  /** Alpha handling; default 'white' for resize 'sharp', 'drop' for 'pil' (PIL's convert('RGB')). */
  alpha?: 'white' | 'drop';
  /** Embedded ICC profiles; default 'convert' (to sRGB) for 'sharp', 'ignore' for 'pil' (as PIL). */
  icc?: 'convert' | 'ignore';
  /** Apply EXIF orientation (default true). */
  autoOrient?: boolean;
  /** Decompression-bomb guard in pixels (default {@link DEFAULT_MAX_PIXELS}); false disables it. */
  maxPixels?: number | false;
  /**
   * Images of this call decoded at once (default 4, libuv's pool size). Across all calls of the
   * process at most half the cores' worth (at least 2) decode at once (lib/image/decode-gate.ts).
   */
  concurrency?: number;
  /** Write into this buffer (at least N * 3 * S * S floats) instead of allocating one. */
  out?: Float32Array;
}

/** A preprocessed batch, shaped like lib/model/input.ts's TensorLike. */
export interface PreprocessedBatch {
  /** N * 3 * S * S floats (a view of options.out when given). */
  data: Float32Array;
  /** [N, 3, S, S] for 'nchw', [N, S, S, 3] for 'nhwc'. */
  dims: [number, number, number, number];
  layout: Layout;
}

/** One image's outcome in {@link preprocessEach}. */
export type ImageResult =
  | { ok: true; index: number; source: ImageSource; width: number; height: number }
  | { ok: false; index: number; source: ImageSource; error: EfficientNetError };

/** {@link preprocessEach}'s result: the batch plus one result per image. */
export interface PreprocessEachResult extends PreprocessedBatch {
  /** In input order; failed images' slots in `data` hold zeros. */
  results: ImageResult[];
}

interface Resolved {
  mode: ResizeMode;
  layout: Layout;
  decode: DecodeOptions;
  concurrency: number;
  out: Float32Array | undefined;
}

function resolveOptions(options: unknown): Resolved {
  if (options === undefined) options = {};
  if (!is.plainObject(options)) throw invalidParameterError('options', 'an options object', options);
  const o = options as PreprocessOptions;
  const pick = <T>(name: keyof PreprocessOptions, allowed: readonly T[], fallback: T): T => {
    const v = o[name];
    if (v === undefined) return fallback;
    if (!is.inArray(v, allowed)) {
      throw invalidParameterError(`options.${name}`, allowed.map((a) => `'${String(a)}'`).join(' or '), v);
    }
    return v;
  };
  const mode = pick('resize', RESIZE_MODES, 'sharp');
  const layout = pick('layout', LAYOUTS, 'nchw');
  const alpha = pick('alpha', ['white', 'drop'] as const, mode === 'pil' ? 'drop' : 'white');
  const icc = pick('icc', ['convert', 'ignore'] as const, mode === 'pil' ? 'ignore' : 'convert');
  const autoOrient = o.autoOrient ?? true;
  if (typeof autoOrient !== 'boolean') throw invalidParameterError('options.autoOrient', 'a boolean', autoOrient);
  let maxPixels: number | false = DEFAULT_MAX_PIXELS;
  if (o.maxPixels === false) maxPixels = false;
  else if (o.maxPixels !== undefined) maxPixels = checkNumber('options.maxPixels', o.maxPixels, 1, Number.MAX_SAFE_INTEGER, true);
  const concurrency = o.concurrency === undefined ? 4 : checkNumber('options.concurrency', o.concurrency, 1, 1024, true);
  if (o.out !== undefined && !(o.out instanceof Float32Array)) {
    throw invalidParameterError('options.out', 'a Float32Array', o.out);
  }
  return { mode, layout, decode: { autoOrient, alpha, icc, maxPixels }, concurrency, out: o.out };
}

function toList(images: unknown): ImageSource[] {
  if (Array.isArray(images)) {
    if (images.length === 0) throw invalidParameterError('images', 'at least one image', images, 'range');
    return images.map((s, i) => checkSource(`images[${i}]`, s));
  }
  return [checkSource('images', images)];
}

function allocate(n: number, size: number, r: Resolved): PreprocessedBatch {
  const need = n * 3 * size * size;
  let data: Float32Array;
  if (r.out) {
    if (r.out.length < need) {
      throw invalidParameterError('options.out', `a Float32Array of at least ${need} floats`, r.out, 'range');
    }
    data = r.out.subarray(0, need);
  } else {
    data = new Float32Array(need);
  }
  const dims: [number, number, number, number] = r.layout === 'nchw' ? [n, 3, size, size] : [n, size, size, 3];
  return { data, dims, layout: r.layout };
}

// One image into slot `index`. Returns the oriented source size.
async function prepareOne(
  source: ImageSource,
  policy: PreprocessPolicy,
  r: Resolved,
  batch: PreprocessedBatch,
  index: number,
  lut: Float32Array,
): Promise<{ width: number; height: number }> {
  const size = policyResolution(policy);
  const header = await readHeader(source, r.decode);
  const filter = policy.interpolation;
  const kernel = filter === 'bicubic' ? 'cubic' : 'linear';
  let image: RgbImage;
  let crop: Rect;
  if (policy.kind === 'crop-resize') {
    const region = tfCenterCropRect(header.width, header.height, policy.cropFraction);
    if (r.mode === 'pil' || region.width < size) {
      // Upscaling always takes the Pillow-exact path, see useNative().
      const cropped = await decodeRgb(source, r.decode, region);
      image = await resizeExact(cropped, size, size, filter);
    } else {
      image = await decodeResizedRgb(source, header, r.decode, size, size, kernel, region);
    }
    crop = { left: 0, top: 0, width: size, height: size };
  } else {
    const resized = resizeShorterSide(header.width, header.height, policy.resizeSize);
    if (useNative(r.mode, header, resized)) {
      const full = await decodeRgb(source, r.decode);
      ({ image, crop } = await resizeCropExact(full, policy.resizeSize, policy.cropSize, filter));
    } else {
      image =
        resized.width === header.width && resized.height === header.height
          ? await decodeRgb(source, r.decode)
          : await decodeResizedRgb(source, header, r.decode, resized.width, resized.height, kernel);
      crop = centerCropRect(image.width, image.height, policy.cropSize);
    }
  }
  writeNormalized(batch.data, index, size, r.layout, { data: image.data, width: image.width, height: image.height, left: crop.left, top: crop.top }, lut);
  return { width: header.width, height: header.height };
}

// 'pil' always resamples natively. 'sharp' does too when ENLARGING: libvips' upsampling is offset
// from PIL's by a fraction of a pixel (measured on the fixtures: mean 2-4 uint8 steps, max ~100 at
// edges, at 1.1-2x), while the native path is exact and cheap there (the source is small).
// Reductions, where libvips is fast and close (mean ~0.2 steps), stay in libvips.
function useNative(mode: ResizeMode, header: ImageHeader, resized: { width: number; height: number }): boolean {
  return mode === 'pil' || resized.width > header.width || resized.height > header.height;
}

// torchvision's Resize(shorter side) + CenterCrop on decoded pixels, Pillow-exact. Only the part of
// the resized image that the crop keeps is computed (bit-identical: each output pixel depends on its
// own coefficients only).
async function resizeCropExact(
  full: RgbImage,
  resizeSize: number,
  cropSize: number,
  filter: 'bicubic' | 'bilinear',
): Promise<{ image: RgbImage; crop: Rect }> {
  const resized = resizeShorterSide(full.width, full.height, resizeSize);
  const wanted = centerCropRect(resized.width, resized.height, cropSize);
  if (resized.width === full.width && resized.height === full.height) {
    return { image: full, crop: wanted }; // torchvision's F.resize returns the image untouched
  }
  const window = intersect(wanted, resized.width, resized.height);
  if (window.width === 0 || window.height === 0) {
    return { image: { data: new Uint8Array(0), width: 0, height: 0 }, crop: wanted }; // all padding
  }
  const data = await resampleImage(full.data, {
    srcWidth: full.width,
    srcHeight: full.height,
    channels: 3,
    dstWidth: resized.width,
    dstHeight: resized.height,
    filter,
    window: { x: window.left, y: window.top, width: window.width, height: window.height },
  });
  return {
    image: { data, width: window.width, height: window.height },
    crop: { left: wanted.left - window.left, top: wanted.top - window.top, width: cropSize, height: cropSize },
  };
}

async function resizeExact(image: RgbImage, width: number, height: number, filter: 'bicubic' | 'bilinear'): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const data = await resampleImage(image.data, {
    srcWidth: image.width,
    srcHeight: image.height,
    channels: 3,
    dstWidth: width,
    dstHeight: height,
    filter,
  });
  return { data, width, height };
}

function asImageError(err: unknown): EfficientNetError {
  if (err instanceof EfficientNetError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EfficientNetError('ERR_INTERNAL', `Image preprocessing failed: ${message}`, { cause: err });
}

// Runs every image with at most `concurrency` in flight; stops scheduling after a failure when
// `stopOnError`.
async function runAll(
  sources: ImageSource[],
  policy: PreprocessPolicy,
  r: Resolved,
  batch: PreprocessedBatch,
  stopOnError: boolean,
): Promise<ImageResult[]> {
  const lut = normalizeTable(policy.mean, policy.std);
  const size = policyResolution(policy);
  const results: ImageResult[] = new Array(sources.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < sources.length && !(stopOnError && failed)) {
      const index = next++;
      const source = sources[index];
      try {
        const { width, height } = await gateDecode(() => prepareOne(source, policy, r, batch, index, lut));
        results[index] = { ok: true, index, source, width, height };
      } catch (err) {
        failed = true;
        clearSlot(batch.data, index, size);
        results[index] = { ok: false, index, source, error: asImageError(err) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(r.concurrency, sources.length) }, worker));
  return results;
}

/**
 * Preprocesses a batch, all or nothing.
 *
 * @param images - one source or an array of them: file paths or encoded bytes (JPEG, PNG, WebP,
 *   AVIF, TIFF, GIF (first frame))
 * @param policy - the weights' preprocessing, e.g. `torchvisionPolicy('b0')`
 * @param options - resampler, layout, alpha/ICC/orientation handling, pixel limit, output buffer
 * @returns the batch: N x 3 x S x S (or N x S x S x 3) float32
 * @throws TypeError / RangeError for bad arguments
 * @throws {EfficientNetError} the first failing image's error (ERR_IMAGE_DECODE, ERR_IMAGE_NOT_FOUND,
 *   ERR_IMAGE_TOO_LARGE; ERR_NATIVE_LOAD when sharp or the addon is missing), its message prefixed
 *   with the image's index and path
 * @example
 * ```ts
 * const batch = await preprocess(['cat.jpg', 'dog.png'], torchvisionPolicy('b0'), { layout: 'nhwc' });
 * ```
 */
export async function preprocess(
  images: ImageSource | readonly ImageSource[],
  policy: PreprocessPolicy,
  options?: PreprocessOptions,
): Promise<PreprocessedBatch> {
  const sources = toList(images);
  const p = validatePolicy(policy);
  const r = resolveOptions(options);
  const batch = allocate(sources.length, policyResolution(p), r);
  const results = await runAll(sources, p, r, batch, true);
  const bad = results.find((x): x is Extract<ImageResult, { ok: false }> => x !== undefined && !x.ok);
  if (bad) {
    throw new EfficientNetError(bad.error.code, `Image ${bad.index} (${describeSource(bad.source)}): ${bad.error.message}`, {
      cause: bad.error,
    });
  }
  return batch;
}

/**
 * Preprocesses a batch image by image: one bad image does not sink the others.
 *
 * @param images - as {@link preprocess}
 * @param policy - as {@link preprocess}
 * @param options - as {@link preprocess}
 * @returns the batch (failed images' slots are zeros) and a result per image, in input order
 * @throws TypeError / RangeError for bad arguments (the call itself, not an image, is wrong)
 */
export async function preprocessEach(
  images: ImageSource | readonly ImageSource[],
  policy: PreprocessPolicy,
  options?: PreprocessOptions,
): Promise<PreprocessEachResult> {
  const sources = toList(images);
  const p = validatePolicy(policy);
  const r = resolveOptions(options);
  const batch = allocate(sources.length, policyResolution(p), r);
  const results = await runAll(sources, p, r, batch, false);
  return { ...batch, results };
}

/** One whole photo as the network input, see {@link preprocessWhole}. */
export interface WholeImage {
  /** height * width * 3 floats, NHWC, normalized with the policy's mean and std. */
  nhwc: Float32Array;
  height: number;
  width: number;
  /** The decoded photo at its own size and orientation (8-bit RGB), to draw over. */
  original: { data: Uint8Array; width: number; height: number };
}

/** The input side for a photo side: a multiple of 32 (the network's total stride), at least 32. */
function strideMultiple(side: number): number {
  return Math.max(32, Math.round(side / 32) * 32);
}

/**
 * The whole photo, uncropped, as the network input: resized so its shorter side is the policy's
 * resolution and its longer side is the photo's proportion of that rounded to a multiple of 32, with
 * the policy's filter (the Pillow-exact resampler, whatever `resize` says: no libvips shrink-on-load
 * in a map meant to be drawn over the photo) and normalization.
 *
 * @param source - one image path or encoded bytes
 * @param policy - the model's preprocessing (its size, filter, mean and std; its crop is ignored)
 * @param options - as {@link preprocess} (layout is always NHWC here)
 * @throws {EfficientNetError} as {@link preprocess}
 */
export async function preprocessWhole(source: ImageSource, policy: PreprocessPolicy, options?: PreprocessOptions): Promise<WholeImage> {
  const p = validatePolicy(policy);
  const r = resolveOptions(options);
  const size = policyResolution(p);
  try {
    const original = await gateDecode(() => decodeRgb(source, r.decode));
    const scale = size / Math.min(original.width, original.height);
    // The shorter side is `size`; the longer one keeps the proportion, to a multiple of 32. A square
    // photo stays square (so it gets exactly the input the cropping policies give it when they
    // neither enlarge nor trim).
    const height = original.height > original.width ? strideMultiple(original.height * scale) : size;
    const width = original.width > original.height ? strideMultiple(original.width * scale) : size;
    const resized = await resizeExact(original, width, height, p.interpolation);
    const lut = normalizeTable(p.mean, p.std);
    const nhwc = new Float32Array(height * width * 3);
    for (let i = 0; i < nhwc.length; i++) nhwc[i] = lut[(i % 3) * 256 + resized.data[i]!]!;
    return { nhwc, height, width, original };
  } catch (err) {
    throw asImageError(err);
  }
}
