/**
 * Image sources in, 8-bit sRGB RGB pixels out, through sharp (libvips). Also the sharp-side resize
 * used by `resize: 'sharp'`. Every failure becomes an {@link EfficientNetError} with an image code.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import type SharpTypes = require('sharp');
import { EfficientNetError, describeValue, invalidParameterError, type ErrorCode } from '../errors';
import type { Rect } from './geometry';

/** A path to an image file, or its bytes (a Buffer is a Uint8Array). */
export type ImageSource = string | Uint8Array;

/**
 * The decompression-bomb guard's default: sharp's own default, 0x3FFF * 0x3FFF = 268,402,689
 * pixels (about 805 MB as RGB). Checked from the header, before any pixel is decoded.
 */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

/** The container formats we accept (sharp's metadata names; AVIF reports as 'heif'). */
export const SUPPORTED_FORMATS: readonly string[] = ['jpeg', 'png', 'webp', 'heif', 'tiff', 'gif'];

/** How the pixels are read, before any resizing. */
export interface DecodeOptions {
  /** Apply the EXIF Orientation tag (default true). */
  autoOrient: boolean;
  /** 'white': composite onto white; 'drop': discard alpha (PIL's convert('RGB')). */
  alpha: 'white' | 'drop';
  /** 'convert': embedded ICC profile -> sRGB; 'ignore': take the numbers as they are (PIL). */
  icc: 'convert' | 'ignore';
  /** Refuse images with more pixels than this (false: no limit). */
  maxPixels: number | false;
}

/** Decoded pixels: height rows of width * 3 bytes, RGB. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The error codes of image input. */
export type ImageErrorCode = Extract<ErrorCode, 'ERR_IMAGE_DECODE' | 'ERR_IMAGE_TOO_LARGE' | 'ERR_IMAGE_NOT_FOUND'>;

function imageError(code: ImageErrorCode, message: string, options?: { cause?: unknown }): EfficientNetError {
  return new EfficientNetError(code, message, options);
}

type SharpModule = typeof SharpTypes;
let sharpModule: SharpModule | undefined;

/**
 * Loads sharp on first use, so that the rest of the package works where sharp cannot load.
 * @throws {EfficientNetError} ERR_NATIVE_LOAD when sharp is not installed or not loadable
 */
export function loadSharp(): SharpModule {
  if (sharpModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      sharpModule = require('sharp') as SharpModule;
    } catch (err) {
      throw new EfficientNetError(
        'ERR_NATIVE_LOAD',
        `Image input needs the 'sharp' package, which could not be loaded: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  return sharpModule;
}

/**
 * Describes a source for error messages: the path, or the byte length.
 * @throws never
 */
export function describeSource(source: ImageSource): string {
  return typeof source === 'string' ? `'${source}'` : `a ${source.byteLength}-byte buffer`;
}

/**
 * Checks one source's type (not its content).
 * @throws TypeError for anything but a non-empty string or a Uint8Array
 */
export function checkSource(name: string, source: unknown): ImageSource {
  if (typeof source === 'string') {
    if (source.length === 0) throw invalidParameterError(name, 'a non-empty path', source, 'range');
    return source;
  }
  if (source instanceof Uint8Array) return source;
  throw invalidParameterError(name, 'a file path (string) or the image bytes (Buffer or Uint8Array)', source, 'type');
}

// Why a path could not be read, asked of the file system (sharp's message for a missing file is not
// stable under concurrency, so it decides nothing). Undefined when the path is a readable file.
function fileProblem(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return 'is a directory';
    accessSync(path, fsConstants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'does not exist';
    return `cannot be read (${code ?? 'unknown error'})`;
  }
}

// sharp reports everything as a plain Error. A failing path is first checked on the file system;
// then the messages we know are mapped, and everything else is a decode failure (the image, not our
// code, is what went wrong).
function mapSharpError(err: unknown, source: ImageSource, maxPixels: number | false): EfficientNetError {
  if (err instanceof EfficientNetError) return err;
  const message = err instanceof Error ? err.message : describeValue(err);
  const what = describeSource(source);
  const problem = typeof source === 'string' ? fileProblem(source) : undefined;
  if (problem === 'does not exist') {
    return imageError('ERR_IMAGE_NOT_FOUND', `Image file ${what} does not exist`, { cause: err });
  }
  if (problem !== undefined) {
    return imageError('ERR_IMAGE_DECODE', `Image file ${what} ${problem}`, { cause: err });
  }
  if (/exceeds pixel limit/i.test(message)) {
    return imageError('ERR_IMAGE_TOO_LARGE',
      `Image ${what} has more than ${String(maxPixels)} pixels (the decompression-bomb guard); ` +
        'raise options.maxPixels if it is trusted',
      { cause: err },
    );
  }
  if (/Input buffer is empty/i.test(message)) {
    return imageError('ERR_IMAGE_DECODE', 'Image buffer is empty', { cause: err });
  }
  return imageError('ERR_IMAGE_DECODE', `Could not decode image ${what}: ${message.split('\n')[0]}`, {
    cause: err,
  });
}

function sharpFor(source: ImageSource, options: DecodeOptions): SharpTypes.Sharp {
  const sharp = loadSharp();
  const input = typeof source === 'string' ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  return sharp(input, {
    // 'warning' (sharp's default, stated so it is not lost) makes truncated and corrupt data fail
    // instead of decoding to grey.
    failOn: 'warning',
    limitInputPixels: options.maxPixels === false ? false : options.maxPixels,
    ignoreIcc: options.icc === 'ignore',
    autoOrient: options.autoOrient,
    // Only the first frame of animated GIF/WebP (and the first page of a TIFF).
    pages: 1,
    page: 0,
  });
}

/** What the header says, after orientation. */
export interface ImageHeader {
  format: string;
  width: number;
  height: number;
  hasAlpha: boolean;
}

/**
 * Reads the header: format and (oriented) size. Enforces the pixel limit and the format list.
 * @throws {EfficientNetError} ERR_IMAGE_NOT_FOUND, ERR_IMAGE_TOO_LARGE, ERR_IMAGE_DECODE
 */
export async function readHeader(source: ImageSource, options: DecodeOptions): Promise<ImageHeader> {
  if (typeof source !== 'string' && source.byteLength === 0) {
    throw imageError('ERR_IMAGE_DECODE', 'Image buffer is empty');
  }
  let meta: SharpTypes.Metadata;
  try {
    meta = await sharpFor(source, options).metadata();
  } catch (err) {
    throw mapSharpError(err, source, options.maxPixels);
  }
  const format = String(meta.format);
  if (!SUPPORTED_FORMATS.includes(format)) {
    throw imageError('ERR_IMAGE_DECODE',
      `Image ${describeSource(source)} is ${format}, which is not supported (use JPEG, PNG, WebP, AVIF, TIFF or GIF)`,
    );
  }
  // width/height are the first page's (sharp reports one frame of an animated GIF);
  // autoOrient swaps them for orientations 5-8.
  const oriented = options.autoOrient && meta.autoOrient ? meta.autoOrient : meta;
  return { format, width: oriented.width, height: oriented.height, hasAlpha: meta.hasAlpha };
}

function finish(pipeline: SharpTypes.Sharp, options: DecodeOptions): SharpTypes.Sharp {
  const p = options.alpha === 'white' ? pipeline.flatten({ background: { r: 255, g: 255, b: 255 } }) : pipeline.removeAlpha();
  // 'srgb' also turns grey into 3 equal channels and 16-bit into 8-bit.
  return p.toColourspace('srgb').raw({ depth: 'uchar' });
}

async function run(pipeline: SharpTypes.Sharp, source: ImageSource, options: DecodeOptions): Promise<RgbImage> {
  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw imageError('ERR_IMAGE_DECODE', `Image ${describeSource(source)} decoded to ${info.channels} channels, not RGB`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    throw mapSharpError(err, source, options.maxPixels);
  }
}

/**
 * Decodes to full-size RGB (optionally only a region of the oriented image, losslessly).
 * @throws {EfficientNetError} ERR_IMAGE_NOT_FOUND, ERR_IMAGE_TOO_LARGE, ERR_IMAGE_DECODE
 */
export async function decodeRgb(source: ImageSource, options: DecodeOptions, region?: Rect): Promise<RgbImage> {
  let pipeline = sharpFor(source, options);
  if (region) pipeline = pipeline.extract({ left: region.left, top: region.top, width: region.width, height: region.height });
  return run(finish(pipeline, options), source, options);
}

/**
 * Decodes and resizes with libvips (`resize: 'sharp'`): optional lossless crop first (crop-resize
 * policies), then a resize to exactly width x height with the cubic (Catmull-Rom, like PIL's
 * bicubic) or linear kernel, without shrink-on-load (which would decode JPEGs at 1/2, 1/4, 1/8
 * scale first and differ more from PIL).
 *
 * With alpha 'drop' on an image that has alpha, the pixels are decoded to RGB first and resized
 * from raw: libvips resizes RGBA premultiplied, which would darken colours under transparent
 * pixels that PIL's convert('RGB') keeps as they are.
 * @throws {EfficientNetError} ERR_IMAGE_NOT_FOUND, ERR_IMAGE_TOO_LARGE, ERR_IMAGE_DECODE
 */
export async function decodeResizedRgb(
  source: ImageSource,
  header: ImageHeader,
  options: DecodeOptions,
  width: number,
  height: number,
  kernel: 'cubic' | 'linear',
  region?: Rect,
): Promise<RgbImage> {
  let pipeline: SharpTypes.Sharp;
  if (options.alpha === 'drop' && header.hasAlpha) {
    const rgb = await decodeRgb(source, options, region);
    pipeline = loadSharp()(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } });
  } else {
    pipeline = sharpFor(source, options);
    if (region) pipeline = pipeline.extract({ left: region.left, top: region.top, width: region.width, height: region.height });
    pipeline = options.alpha === 'white' ? pipeline.flatten({ background: { r: 255, g: 255, b: 255 } }) : pipeline.removeAlpha();
  }
  pipeline = pipeline.resize(width, height, { kernel, fit: 'fill', fastShrinkOnLoad: false });
  return run(pipeline.toColourspace('srgb').raw({ depth: 'uchar' }), source, options);
}
