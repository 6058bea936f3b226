/**
 * The typed face of the addon's image export (native/binding/image_ops.cc).
 */
import { getNative, wrapNativeError, type NativeFilter, type ResampleImageParams } from '../native';

export type { NativeFilter, ResampleImageParams };

/**
 * Pillow-exact resize of interleaved 8-bit pixels, off the JS thread.
 *
 * @param src - srcHeight rows of srcWidth * channels bytes
 * @param params - sizes, filter, optional box and output window
 * @returns window.height rows of window.width * channels bytes (the whole output without a window)
 * @throws {EfficientNetError} ERR_NATIVE_LOAD when the addon is missing;
 *   ERR_INPUT_SHAPE for inconsistent sizes; ERR_IMAGE_TOO_LARGE past the native size limits
 */
export async function resampleImage(src: Uint8Array, params: ResampleImageParams): Promise<Uint8Array> {
  const native = getNative();
  const stack = new Error();
  try {
    return await native.resampleImage(src, params);
  } catch (err) {
    throw wrapNativeError(err, stack);
  }
}
