/**
 * Class activation maps (Zhou et al., CVPR 2016) for a global-average-pooled head:
 *   CAM_c(x, y) = sum_k W[c, k] * f_k(x, y)
 * over the post-swish head map f ([h, w, C], NHWC) and the classifier row W[c]. Because the
 * classifier reads the MEAN of f, mean_{x,y} CAM_c + bias_c is exactly the class logit, which is
 * what makes the map an honest account of that logit (and what the tests check).
 *
 * Display: bilinear upsampling to the network input (half-pixel centres, as torch's
 * `interpolate(..., align_corners=False)`), min-max normalization, a turbo colour map blended over
 * the de-normalized input, encoded as PNG by sharp.
 */
import { softmax } from './classify';
import type { Rgb } from '../image';
import type { CamResult } from './options';
import { loadSharp } from '../image/decode';

/**
 * The raw CAM of one image and one class.
 *
 * @param headMap - one image's head map, h * w * channels floats (NHWC)
 * @param weightRow - the class's classifier row, `channels` floats
 * @returns h * w floats, row-major
 * @throws never
 */
export function rawCam(headMap: Float32Array, h: number, w: number, weightRow: Float32Array): Float32Array {
  const channels = weightRow.length;
  const out = new Float32Array(h * w);
  for (let p = 0, base = 0; p < h * w; p++, base += channels) {
    let sum = 0; // float64: 1280+ terms of mixed sign
    for (let k = 0; k < channels; k++) sum += weightRow[k] * headMap[base + k];
    out[p] = sum;
  }
  return out;
}

/**
 * Bilinear upsampling with half-pixel centres and edge clamping (torch's align_corners=False),
 * followed by min-max normalization to [0, 1] (all zeros for a flat map).
 *
 * @param raw - h * w values
 * @returns outH * outW values in [0, 1]
 * @throws never
 */
export function upsampleNormalized(raw: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  // Per output column: the two source columns and the weight of the right one (precomputed once).
  const x0 = new Int32Array(outW);
  const x1 = new Int32Array(outW);
  const fx = new Float32Array(outW);
  for (let x = 0; x < outW; x++) {
    const sx = Math.min(Math.max(((x + 0.5) * w) / outW - 0.5, 0), w - 1);
    x0[x] = Math.floor(sx);
    x1[x] = Math.min(x0[x] + 1, w - 1);
    fx[x] = sx - x0[x];
  }
  const out = new Float32Array(outH * outW);
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0, i = 0; y < outH; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * h) / outH - 0.5, 0), h - 1);
    const r0 = Math.floor(sy) * w;
    const r1 = Math.min(Math.floor(sy) + 1, h - 1) * w;
    const fy = sy - Math.floor(sy);
    for (let x = 0; x < outW; x++, i++) {
      const top = raw[r0 + x0[x]] + (raw[r0 + x1[x]] - raw[r0 + x0[x]]) * fx[x];
      const bottom = raw[r1 + x0[x]] + (raw[r1 + x1[x]] - raw[r1 + x0[x]]) * fx[x];
      const v = top + (bottom - top) * fy;
      out[i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const scale = max > min ? 1 / (max - min) : 0;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - min) * scale;
  return out;
}

// The turbo colour map (Google, 2019) as Mikhailov's polynomial fit, tabulated once at 256 steps.
let turbo: Uint8Array | undefined;
function turboTable(): Uint8Array {
  if (turbo) return turbo;
  turbo = new Uint8Array(256 * 3);
  const poly = (x: number, c: readonly number[]): number =>
    c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * (c[4] + x * c[5]))));
  const R = [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943];
  const G = [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604];
  const B = [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973];
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    turbo[i * 3] = Math.round(255 * Math.min(Math.max(poly(x, R), 0), 1));
    turbo[i * 3 + 1] = Math.round(255 * Math.min(Math.max(poly(x, G), 0), 1));
    turbo[i * 3 + 2] = Math.round(255 * Math.min(Math.max(poly(x, B), 0), 1));
  }
  return turbo;
}

/** What {@link renderCam} draws on. */
export interface CamCanvas {
  /** One preprocessed image, size * size * 3 floats, NHWC, normalized with mean/std. */
  input: Float32Array;
  size: number;
  mean: Rgb;
  std: Rgb;
}

/** 8-bit RGB pixels, row-major. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * The map in turbo colours blended over the image the network saw (the input de-normalized back
 * to 8-bit RGB), as PNG.
 *
 * @param canvas - the preprocessed input and its normalization
 * @param map - size * size values in [0, 1]
 * @param alpha - weight of the colour map in the blend, 0..1
 * @returns the PNG bytes
 * @throws {EfficientNetError} ERR_NATIVE_LOAD when sharp is unavailable
 */
export async function renderCam(canvas: CamCanvas, map: Float32Array, alpha: number): Promise<Buffer> {
  const { input, size, mean, std } = canvas;
  const rgb = new Uint8Array(size * size * 3);
  // x_norm = (x / 255 - mean) / std  =>  x = (x_norm * std + mean) * 255, per channel.
  const a = [std[0] * 255, std[1] * 255, std[2] * 255];
  const b = [mean[0] * 255, mean[1] * 255, mean[2] * 255];
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round(Math.min(Math.max(input[i] * a[i % 3] + b[i % 3], 0), 255));
  return renderOverlay({ data: rgb, width: size, height: size }, map, alpha);
}

/**
 * The map in turbo colours blended over an RGB image of the same size, as PNG.
 *
 * @param image - the pixels to draw over
 * @param map - image.width * image.height values in [0, 1]
 * @param alpha - weight of the colour map in the blend, 0..1
 * @returns the PNG bytes
 * @throws {EfficientNetError} ERR_NATIVE_LOAD when sharp is unavailable
 */
export async function renderOverlay(image: RgbPixels, map: Float32Array, alpha: number): Promise<Buffer> {
  const lut = turboTable();
  const rgb = Buffer.allocUnsafe(image.width * image.height * 3);
  const keep = 1 - alpha;
  for (let p = 0, i = 0; p < map.length; p++) {
    const colour = Math.round(map[p] * 255) * 3;
    for (let c = 0; c < 3; c++, i++) rgb[i] = Math.round(keep * image.data[i] + alpha * lut[colour + c]);
  }
  return loadSharp()(rgb, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
}

/** One run's outputs and what the model knows of its classes, for {@link camResults}. */
export interface CamInputs {
  logits: Float32Array;
  /** The head map, h * w * channels floats (NHWC, one image). */
  headMap: Float32Array;
  h: number;
  w: number;
  /** The classes to explain, in order. */
  classes: readonly number[];
  /** The classifier weight [classes, channels]. */
  classifier: Float32Array;
  labels: readonly string[];
}

/**
 * The per-class results: the raw map, its upsampled [0, 1] map at width x height, and the
 * rendered image.
 *
 * @param inputs - the run's outputs and the classes
 * @param width - the map's (and image's) width
 * @param height - the map's height
 * @param render - draws a [0, 1] map as PNG
 * @returns one result per class, in `inputs.classes` order
 * @throws as `render`
 */
export function camResults(
  inputs: CamInputs,
  width: number,
  height: number,
  render: (map: Float32Array) => Promise<Buffer>,
): Promise<CamResult[]> {
  const { logits, headMap, h, w, classifier, labels } = inputs;
  const probabilities = softmax(logits);
  const channels = classifier.length / logits.length;
  return Promise.all(
    inputs.classes.map(async (c) => {
      const raw = rawCam(headMap, h, w, classifier.subarray(c * channels, (c + 1) * channels));
      const map = upsampleNormalized(raw, h, w, height, width);
      return {
        classIndex: c,
        label: labels[c]!,
        probability: probabilities[c]!,
        logit: logits[c]!,
        width,
        height,
        map,
        raw,
        rawWidth: w,
        rawHeight: h,
        png: await render(map),
      };
    }),
  );
}
