/**
 * The last step: uint8 RGB -> (x / 255 - mean) / std in float32, written straight into the batch.
 *
 * The arithmetic is torchvision's, in float32, step by step: ToTensor divides by 255 in float32,
 * Normalize subtracts the float32 mean and divides by the float32 std. Only 256 inputs exist per
 * channel, so the three steps are done once into a lookup table (with Math.fround after each, which
 * gives float32's correctly rounded result), and the per-pixel loop is a table lookup. The values
 * are then bit-identical to torchvision's tensor.
 */
import type { Rgb } from './policy';

/** The memory orders of a 4-D image batch (preprocess() output, run() input, features() output). */
export const LAYOUTS = ['nchw', 'nhwc'] as const;

/** Memory order of a 4-D image batch: one of {@link LAYOUTS}. */
export type Layout = (typeof LAYOUTS)[number];

/**
 * A 3 x 256 table: lut[c * 256 + v] = normalized value of byte v in channel c.
 * @throws never
 */
export function normalizeTable(mean: Rgb, std: Rgb): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    for (let v = 0; v < 256; v++) {
      lut[c * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
    }
  }
  return lut;
}

/** Where the pixels come from: an RGB image and the square window of it that becomes the input. */
export interface CropSource {
  data: Uint8Array;
  width: number;
  height: number;
  /** Top-left of the window in image coordinates; may be negative (zero padding, like torchvision). */
  left: number;
  top: number;
}

/**
 * Writes one image's size x size window into slot `index` of the batch.
 * Pixels of the window outside the image read as byte 0 (torchvision pads with fill 0).
 *
 * @param out - the batch, at least (index + 1) * 3 * size * size floats
 * @throws never (callers size `out`)
 */
export function writeNormalized(
  out: Float32Array,
  index: number,
  size: number,
  layout: Layout,
  src: CropSource,
  lut: Float32Array,
): void {
  const plane = size * size;
  const base = index * 3 * plane;
  const rowBytes = src.width * 3;
  for (let y = 0; y < size; y++) {
    const sy = src.top + y;
    const rowInside = sy >= 0 && sy < src.height;
    for (let x = 0; x < size; x++) {
      const sx = src.left + x;
      let r = 0;
      let g = 0;
      let b = 0;
      if (rowInside && sx >= 0 && sx < src.width) {
        const o = sy * rowBytes + sx * 3;
        r = src.data[o];
        g = src.data[o + 1];
        b = src.data[o + 2];
      }
      if (layout === 'nchw') {
        const p = base + y * size + x;
        out[p] = lut[r];
        out[p + plane] = lut[256 + g];
        out[p + 2 * plane] = lut[512 + b];
      } else {
        const p = base + (y * size + x) * 3;
        out[p] = lut[r];
        out[p + 1] = lut[256 + g];
        out[p + 2] = lut[512 + b];
      }
    }
  }
}

/**
 * Fills slot `index` with zeros (the slot of a failed image in preprocessEach's batch).
 * @throws never
 */
export function clearSlot(out: Float32Array, index: number, size: number): void {
  const n = 3 * size * size;
  out.fill(0, index * n, (index + 1) * n);
}
