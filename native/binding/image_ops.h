// JS face of native/image (the Pillow-exact resampler behind lib/image's resize: 'pil').
//   resampleImage(src: Uint8Array, params: {
//       srcWidth, srcHeight, channels, dstWidth, dstHeight: integers,
//       filter: 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos',
//       box?: [x0, y0, x1, y1],                      // Pillow's source box (float32)
//       window?: { x, y, width, height } }           // part of the output to compute
//   ): Promise<Uint8Array>                            // window.height rows of window.width * channels
// The work runs on libuv's pool (like sharp's), not on the inference executor, so image decoding
// and resizing overlap with inference instead of queueing behind it.
#pragma once
#include <napi.h>

namespace effnet::binding {

Napi::Value resample_image(const Napi::CallbackInfo& info);

}  // namespace effnet::binding
