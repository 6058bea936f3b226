// Pillow-exact antialiased resampling of 8-bit images.
//
// What it computes (Pillow's ImagingResample, src/libImaging/Resample.c, 8 bits per channel):
//   out[y][x][c] = clip8( sum_j Kv[y][j] * clip8( sum_i Kh[x][i] * in[ymin_y + j][xmin_x + i][c] ) )
// a separable two-pass filter, horizontal pass first, the intermediate image rounded and clipped to
// uint8 between the passes. Everything below reproduces Pillow's arithmetic step by step, because
// "close to Pillow" is not the goal: torchvision's PIL pipeline is what the weights were trained on,
// and the tests compare our uint8 tensor with torchvision's for equality.
//
// Pillow behaviours reproduced (each is a place where a "reasonable" implementation differs):
// - Antialiasing: when downscaling by s = in/out > 1 the filter is stretched by s (support = radius
//   * s, argument divided by s); upscaling keeps s = 1. Bicubic is Keys' cubic with a = -0.5.
// - Coefficients per output pixel, in double: center = in0 + (i + 0.5) * scale; the tap window is
//   [(int)(center - support + 0.5), (int)(center + support + 0.5)) clipped to the image (C truncation,
//   not floor); weights filter((j - center + 0.5) / s), divided by their sum (unless it is 0).
//   scale = (double)(in1 - in0) / out, where in0/in1 (the box) are float32 and subtracted as floats.
// - Fixed point: each weight becomes int32 w * 2^22 rounded half away from zero (PRECISION_BITS =
//   32 - 8 - 2 = 22); a pixel accumulates 2^21 + sum(w_int * v) and the result is (acc >> 22)
//   clipped to [0, 255] (Pillow's clip8 lookup table does exactly that).
// - The horizontal pass only produces the source rows that the vertical pass reads
//   (first tap of the first output row .. last tap of the last output row).
// - A pass is skipped when Pillow skips it: horizontal iff dst_w != src_w || box.x0 != 0 ||
//   box.x1 != dst_w (yes, compared with the OUTPUT width, as Pillow does), vertical likewise; neither
//   means a plain copy. Skipping matters: an identity bicubic pass is not always the identity.
// Not here: Pillow's Python-level extras, which the callers decide on: reducing_gap (torchvision
// never passes it), the RGBA -> RGBa premultiplication, the "same size and default box -> copy"
// shortcut (our pass-skipping gives the same bytes).
//
// Layout: interleaved channels (1..4), rows packed. Accumulators are int64 (Pillow uses int32; the
// results are equal whenever Pillow's int32 does not overflow, and ours has no UB when it would).
// Single-threaded; callers run several images in parallel. Output windows: see resample.h.
// Precision note: no FMA contraction in this file. Pillow computes the coefficients with separate
// multiplies and adds; a fused multiply-add (GCC's default on arm64) can move a coefficient by one
// ulp, which can flip a rounded uint8. The pragmas below do it for both build systems (CMake and
// node-gyp) without per-file flags; x86-64 without -march never contracts anyway.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "image/resample.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "effnet/error.h"

namespace effnet::image {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kPi = 3.14159265358979323846;  // M_PI's value; M_PI itself is not standard C++

// Filters and their support radii, as in Pillow (same expressions, same constants, same types:
// the hamming constants are float literals there too).
double box_filter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double bilinear_filter(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_filter(double x) {
  if (x < 0.0) x = -x;
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * kPi;
  return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));
}

double bicubic_filter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc_filter(double x) {
  if (x == 0.0) return 1.0;
  x = x * kPi;
  return std::sin(x) / x;
}

double lanczos_filter(double x) {
  if (-3.0 <= x && x < 3.0) return sinc_filter(x) * sinc_filter(x / 3);
  return 0.0;
}

struct Filter {
  double (*fn)(double);
  double support;
};

Filter filter_for(ResampleFilter f) {
  switch (f) {
    case ResampleFilter::kBox: return {box_filter, 0.5};
    case ResampleFilter::kBilinear: return {bilinear_filter, 1.0};
    case ResampleFilter::kHamming: return {hamming_filter, 1.0};
    case ResampleFilter::kBicubic: return {bicubic_filter, 2.0};
    case ResampleFilter::kLanczos: return {lanczos_filter, 3.0};
  }
  throw Error(kErrInputShape, "unknown resampling filter");
}

[[noreturn]] void too_large(const std::string& what) {
  throw Error(kErrImageTooLarge, "image resampling refused: " + what);
}

void check_bytes(std::uint64_t bytes, const char* what) {
  if (bytes > kMaxBufferBytes) {
    too_large(std::string(what) + " would need " + std::to_string(bytes) + " bytes (limit " +
              std::to_string(kMaxBufferBytes) + ")");
  }
}

// One axis' taps: for output i (of the window), taps start at `first[i]`, there are `count[i]`
// of them, with fixed-point weights weights[i * ksize + j].
struct AxisCoefficients {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<std::int32_t> weights;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc, for the outputs [out_begin, out_end) of an
// axis of out_size pixels mapping the source span [in0, in1) of an axis of in_size pixels.
AxisCoefficients axis_coefficients(int in_size, float in0, float in1, int out_size, int out_begin, int out_end,
                                   const Filter& filter) {
  const double scale = static_cast<double>(in1 - in0) / out_size;  // float subtraction, as Pillow
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = filter.support * filterscale;
  const double ksize_d = std::ceil(support) * 2 + 1;
  const int n = out_end - out_begin;
  check_bytes(static_cast<std::uint64_t>(ksize_d) * static_cast<std::uint64_t>(n) * sizeof(double),
              "the filter coefficients");
  AxisCoefficients c;
  c.ksize = static_cast<int>(ksize_d);
  c.first.resize(n);
  c.count.resize(n);
  c.weights.assign(static_cast<std::size_t>(n) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  const double ss = 1.0 / filterscale;
  for (int i = 0; i < n; ++i) {
    const int xx = out_begin + i;
    const double center = in0 + (xx + 0.5) * scale;
    // (int) truncates toward zero, like Pillow's cast; a negative start is clipped to 0 anyway.
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    if (xmax < 0) xmax = 0;  // cannot happen for a validated box; keeps the loops safe regardless
    if (xmax > c.ksize) xmax = c.ksize;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double v = filter.fn((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    std::int32_t* k = &c.weights[static_cast<std::size_t>(i) * c.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? w[x] / ww : w[x];
      // Round half away from zero into 2^22 fixed point, as normalize_coeffs_8bpc.
      k[x] = v < 0 ? static_cast<std::int32_t>(-0.5 + v * (1 << kPrecisionBits))
                   : static_cast<std::int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    c.first[i] = xmin;
    c.count[i] = xmax;
  }
  return c;
}

inline std::uint8_t clip8(std::int64_t acc) {
  // Arithmetic shift = floor division by 2^22 (the accumulator started at 2^21: round half up).
  const std::int64_t v = acc >> kPrecisionBits;
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Horizontal pass: rows [row_begin, row_end) of the source, every window column, into dst
// (row_end - row_begin rows of n_cols * channels bytes).
void horizontal_pass(const std::uint8_t* src, int src_width, int channels, int row_begin, int row_end,
                     const AxisCoefficients& h, std::uint8_t* dst) {
  const int n_cols = static_cast<int>(h.first.size());
  const std::size_t src_stride = static_cast<std::size_t>(src_width) * channels;
  const std::size_t dst_stride = static_cast<std::size_t>(n_cols) * channels;
  for (int y = row_begin; y < row_end; ++y) {
    const std::uint8_t* in_row = src + static_cast<std::size_t>(y) * src_stride;
    std::uint8_t* out_row = dst + static_cast<std::size_t>(y - row_begin) * dst_stride;
    for (int i = 0; i < n_cols; ++i) {
      const std::int32_t* k = &h.weights[static_cast<std::size_t>(i) * h.ksize];
      const std::uint8_t* in = in_row + static_cast<std::size_t>(h.first[i]) * channels;
      const int taps = h.count[i];
      std::int64_t acc[4] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1),
                             1 << (kPrecisionBits - 1)};
      for (int t = 0; t < taps; ++t) {
        for (int ch = 0; ch < channels; ++ch) acc[ch] += std::int64_t(in[t * channels + ch]) * k[t];
      }
      for (int ch = 0; ch < channels; ++ch) out_row[i * channels + ch] = clip8(acc[ch]);
    }
  }
}

// Vertical pass over `src` (rows of `width` pixels, starting at source row `row_offset`): output row
// i reads rows v.first[i] .. + v.count[i]. Summing a whole row per tap keeps memory access linear;
// integer sums are exact, so the order differs from Pillow's without changing a bit.
void vertical_pass(const std::uint8_t* src, int width, int channels, int col_offset, int src_width,
                   int row_offset, const AxisCoefficients& v, std::uint8_t* dst) {
  const int n_rows = static_cast<int>(v.first.size());
  const std::size_t src_stride = static_cast<std::size_t>(src_width) * channels;
  const std::size_t n = static_cast<std::size_t>(width) * channels;
  std::vector<std::int64_t> acc(n);
  for (int i = 0; i < n_rows; ++i) {
    std::fill(acc.begin(), acc.end(), std::int64_t(1) << (kPrecisionBits - 1));
    const std::int32_t* k = &v.weights[static_cast<std::size_t>(i) * v.ksize];
    for (int t = 0; t < v.count[i]; ++t) {
      const std::uint8_t* in = src + static_cast<std::size_t>(v.first[i] + t - row_offset) * src_stride +
                               static_cast<std::size_t>(col_offset) * channels;
      const std::int64_t w = k[t];
      for (std::size_t j = 0; j < n; ++j) acc[j] += in[j] * w;
    }
    std::uint8_t* out = dst + static_cast<std::size_t>(i) * n;
    for (std::size_t j = 0; j < n; ++j) out[j] = clip8(acc[j]);
  }
}

SourceBox effective_box(const ResampleParams& p) {
  if (p.has_box) return p.box;
  return SourceBox{0.0f, 0.0f, static_cast<float>(p.src_width), static_cast<float>(p.src_height)};
}

OutputWindow effective_window(const ResampleParams& p) {
  if (p.has_window) return p.window;
  return OutputWindow{0, 0, p.dst_width, p.dst_height};
}

}  // namespace

void validate_resample(const ResampleParams& p) {
  if (p.channels < 1 || p.channels > 4) {
    throw Error(kErrInputShape, "image resampling: channels must be 1..4, got " + std::to_string(p.channels));
  }
  if (p.src_width < 1 || p.src_height < 1 || p.dst_width < 1 || p.dst_height < 1) {
    throw Error(kErrInputShape, "image resampling: sizes must be positive, got " + std::to_string(p.src_width) +
                                    "x" + std::to_string(p.src_height) + " -> " + std::to_string(p.dst_width) +
                                    "x" + std::to_string(p.dst_height));
  }
  if (p.src_width > kMaxSourceSide || p.src_height > kMaxSourceSide) {
    too_large("source side above " + std::to_string(kMaxSourceSide));
  }
  if (p.dst_width > kMaxDestSide || p.dst_height > kMaxDestSide) {
    too_large("output side above " + std::to_string(kMaxDestSide));
  }
  if (p.has_box) {
    const SourceBox& b = p.box;
    const bool finite = std::isfinite(b.x0) && std::isfinite(b.y0) && std::isfinite(b.x1) && std::isfinite(b.y1);
    // Pillow's rules: offsets not negative, the box inside the image, not inverted.
    if (!finite || b.x0 < 0 || b.y0 < 0 || b.x1 > p.src_width || b.y1 > p.src_height || b.x1 < b.x0 ||
        b.y1 < b.y0) {
      throw Error(kErrInputShape, "image resampling: the source box must lie inside the image and not be inverted");
    }
  }
  if (p.has_window) {
    const OutputWindow& w = p.window;
    if (w.width < 1 || w.height < 1 || w.x < 0 || w.y < 0 || w.x > p.dst_width - w.width ||
        w.y > p.dst_height - w.height) {
      throw Error(kErrInputShape, "image resampling: the output window must lie inside the output");
    }
  }
  const OutputWindow w = effective_window(p);
  check_bytes(std::uint64_t(w.width) * std::uint64_t(w.height) * std::uint64_t(p.channels), "the output");
}

std::vector<std::uint8_t> resample_u8(const std::uint8_t* src, std::size_t src_size, const ResampleParams& p) {
  validate_resample(p);
  const std::uint64_t expected = std::uint64_t(p.src_width) * std::uint64_t(p.src_height) * std::uint64_t(p.channels);
  if (src == nullptr || src_size != expected) {
    throw Error(kErrInputShape, "image resampling: the source holds " + std::to_string(src_size) + " bytes, " +
                                    std::to_string(p.src_width) + "x" + std::to_string(p.src_height) + "x" +
                                    std::to_string(p.channels) + " needs " + std::to_string(expected));
  }
  const Filter filter = filter_for(p.filter);
  const SourceBox box = effective_box(p);
  const OutputWindow win = effective_window(p);
  const int ch = p.channels;

  // Float comparisons with the box exactly as Pillow's `box[0] || box[2] != xsize`.
  const bool need_h = p.dst_width != p.src_width || box.x0 != 0.0f || box.x1 != static_cast<float>(p.dst_width);
  const bool need_v = p.dst_height != p.src_height || box.y0 != 0.0f || box.y1 != static_cast<float>(p.dst_height);

  std::vector<std::uint8_t> out(static_cast<std::size_t>(win.width) * win.height * ch);
  const std::size_t src_stride = static_cast<std::size_t>(p.src_width) * ch;

  if (!need_v) {
    // Output row y is source row y (the box spans all rows 1:1).
    if (need_h) {
      const AxisCoefficients h =
          axis_coefficients(p.src_width, box.x0, box.x1, p.dst_width, win.x, win.x + win.width, filter);
      horizontal_pass(src, p.src_width, ch, win.y, win.y + win.height, h, out.data());
    } else {
      for (int y = 0; y < win.height; ++y) {
        std::copy_n(src + static_cast<std::size_t>(win.y + y) * src_stride + static_cast<std::size_t>(win.x) * ch,
                    static_cast<std::size_t>(win.width) * ch, out.data() + static_cast<std::size_t>(y) * win.width * ch);
      }
    }
    return out;
  }

  const AxisCoefficients v =
      axis_coefficients(p.src_height, box.y0, box.y1, p.dst_height, win.y, win.y + win.height, filter);
  if (!need_h) {
    // Columns map 1:1; the vertical pass reads the source directly.
    vertical_pass(src, win.width, ch, win.x, p.src_width, 0, v, out.data());
    return out;
  }
  // Source rows the vertical pass will read: taps are monotonic in the output row.
  const int row_first = v.first.front();
  const int row_last = v.first.back() + v.count.back();
  const AxisCoefficients h =
      axis_coefficients(p.src_width, box.x0, box.x1, p.dst_width, win.x, win.x + win.width, filter);
  const int rows = std::max(row_last - row_first, 0);
  check_bytes(std::uint64_t(win.width) * std::uint64_t(rows) * std::uint64_t(ch), "the intermediate image");
  std::vector<std::uint8_t> temp(static_cast<std::size_t>(win.width) * rows * ch);
  horizontal_pass(src, p.src_width, ch, row_first, row_first + rows, h, temp.data());
  vertical_pass(temp.data(), win.width, ch, 0, win.width, row_first, v, out.data());
  return out;
}

}  // namespace effnet::image
