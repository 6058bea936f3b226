// Pillow-exact separable resampling of 8-bit images (the 'pil' resize mode of lib/image).
// The algorithm and the Pillow behaviours it reproduces are described at the top of resample.cc.
// No N-API here: native/binding/image_ops.cc wraps it for JS.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace effnet::image {

// Pillow's resampling filters (Image.Resampling.*), with Pillow's support radii.
enum class ResampleFilter { kBox, kBilinear, kHamming, kBicubic, kLanczos };

// Pillow's `box` argument of Image.resize: the source region, in source pixels (fractional allowed),
// that is mapped onto the whole output. Pillow stores it as float32, so do we.
struct SourceBox {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// A rectangle of the (virtual) dst_width x dst_height output to actually compute. Each output pixel
// depends only on its own coefficients, so computing a window is bit-identical to resizing the whole
// image and cropping afterwards (torchvision's Resize + CenterCrop), and skips the cropped-away work.
struct OutputWindow {
  int x = 0, y = 0, width = 0, height = 0;
};

struct ResampleParams {
  int src_width = 0;
  int src_height = 0;
  int channels = 0;  // 1..4, interleaved (RGB = 3); each channel is resampled independently
  int dst_width = 0;
  int dst_height = 0;
  ResampleFilter filter = ResampleFilter::kBicubic;
  bool has_box = false;  // false: Pillow's default box (0, 0, src_width, src_height)
  SourceBox box;
  bool has_window = false;  // false: the whole output
  OutputWindow window;
};

// Hostile-size guards. Sides beyond these are refused with ERR_IMAGE_TOO_LARGE, as is any single
// working buffer (coefficients, the horizontal-pass image, the output) above kMaxBufferBytes.
// The output side may be as large as a source side: a window of it is all that is computed and
// stored (a 1x129 image resized to a shorter side of 256 is 256x33024, of which a crop of 224x224
// is wanted), and the buffers are bounded by kMaxBufferBytes either way.
inline constexpr int kMaxSourceSide = 1 << 24;
inline constexpr int kMaxDestSide = 1 << 24;
inline constexpr std::uint64_t kMaxBufferBytes = std::uint64_t(1) << 30;

// Checks sizes, box and window; throws effnet::Error (ERR_INPUT_SHAPE for inconsistent parameters,
// ERR_IMAGE_TOO_LARGE over the limits above).
void validate_resample(const ResampleParams& params);

// Resizes `src` (src_height rows of src_width * channels bytes, no padding; src_size bytes in all)
// and returns the window's pixels, window.height rows of window.width * channels bytes.
// Bit-identical to Pillow `Image.resize((dst_width, dst_height), filter, box)` (checked against 9.4,
// the algorithm read from current Pillow is the same) on 8-bit
// modes (L, RGB, RGBX, CMYK; not premultiplied RGBA, which Pillow converts to RGBa first).
// Throws effnet::Error as validate_resample does; std::bad_alloc when memory runs out.
std::vector<std::uint8_t> resample_u8(const std::uint8_t* src, std::size_t src_size, const ResampleParams& params);

}  // namespace effnet::image
