// dwconv_bn_act, SIMD, written once over V.
//   y[n,oy,ox,c] = act(b[c] + sum_{ky,kx} x[n, oy*s - pad_t + ky, ox*s - pad_l + kx, c] * w[c,ky,kx])
//   sums[n,c]    = sum_{oy,ox} y[n,oy,ox,c]   (post-activation, when the op has sums; feeds se_gate)
// Layouts: x, y NHWC; weights packed [k*k][Cpad] (packing.h), zero past C.
// Vectorised over channels: blocks of up to V::kDwNv vectors (64 channels on AVX-512, 16 on AVX2);
// the last vector of the last block is masked (loads zero the lanes past C, stores skip them).
// Order: per output row, pixel-major when all weights fit in L1, else channel-block-major (see
// dwconv_bn_act). For k = 3 and 5 at strides 1 and 2, pixels go V::kDwPx at a time (dw_pixels),
// so a weight load feeds kDwPx FMAs and each input vector of a window row is loaded once for the
// group; the k x k taps are unrolled at compile time.
// Padding: explicit and 4-sided. A group whose windows lie inside the input runs straight. At k = 5
// a group at a border skips the window rows outside and takes the columns outside as zero vectors
// (a row's last 2 or 3 pixels as a smaller group), so border pixels stay on the unrolled path: one
// pixel at a time with the window clipped tap by tap made B0's 7x7 maps, mostly border, 1.3x slower.
// At k = 3, and for other k and strides, border pixels go one at a time (see dw_row).
// Fusion: bias starts the accumulators, swish before the one store, sums from the same registers.
// Threads: tasks are (image, band of output rows), bands fixed by the shape (tiling.h); each band
// writes its partial sums to scratch[image][band][Cpad], reduced in band order afterwards, so
// results are bit-identical for any thread count.
// Precision: fp32 FMA accumulation in tap order; swish via simd::swish.
#pragma once
#include "core/thread_pool.h"
#include "cpu/simd/ahead.h"
#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"
#include "cpu/simd/vec_math.h"

namespace effnet {
namespace simd {

inline constexpr int64_t kDwL1Bytes = 16 * 1024;  // half of a 32 KiB L1D: the rest holds x and y lines

struct DwShape {
  int64_t H, W, C, Cpad, Wo, k, s, pad_t, pad_l;
  int64_t ox_lo, ox_hi;  // output columns whose window lies inside the input
  bool swish;
};

// One output pixel of a channel block: taps [ky0, ky1) x [kx0, kx1), or all KT x KT when KT > 0.
template <class V, int NV, bool Tail, int KT>
EFFNET_SIMD_INLINE void dw_pixel(const DwShape& d, const float* __restrict xn, int64_t origin, const float* __restrict w,
                                 const float* __restrict bias, int64_t ky0, int64_t ky1, int64_t kx0, int64_t kx1,
                                 typename V::Mask m, typename V::T (&acc)[NV]) {
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[v] = V::load(bias + v * V::W);
  const int64_t k = KT > 0 ? KT : d.k;
  if constexpr (KT > 0) {
    ky0 = kx0 = 0;
    ky1 = kx1 = KT;
  }
#pragma GCC unroll 5
  for (int64_t ky = ky0; ky < ky1; ++ky) {
    const int64_t xr = origin + ky * d.W * d.C;
    const float* wr = w + ky * k * d.Cpad;
#pragma GCC unroll 5
    for (int64_t kx = kx0; kx < kx1; ++kx) {
      const float* xp = xn + (xr + kx * d.C);
      const float* wp = wr + kx * d.Cpad;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const typename V::T xv = (Tail && v == NV - 1) ? V::load(xp + v * V::W, m) : V::load(xp + v * V::W);
        acc[v] = V::fmadd(xv, V::load(wp + v * V::W), acc[v]);
      }
    }
  }
}

// PX adjacent pixels at once (KT > 0, stride S): a window row's (PX - 1) * S + k input vectors
// are loaded once into registers and each feeds up to k FMAs, so each weight vector load serves PX
// FMAs. Addresses advance by pointer increments: per-FMA index arithmetic with run-time strides ran
// out of integer registers and spilled. Clip: a group at the border; only window rows [ky0, ky1)
// and spanned input columns [j0, j1) lie inside the input, the others are zero padding (rows are
// skipped, columns enter as zero vectors), so border pixels keep the unrolled taps instead of
// clipping the window pixel by pixel.
template <class V, int NV, bool Tail, int KT, int PX, int S, bool Clip>
EFFNET_SIMD_INLINE void dw_pixels(const DwShape& d, const float* __restrict xn, int64_t origin,
                                  const float* __restrict w, const float* __restrict bias, int64_t ky0, int64_t ky1,
                                  int64_t j0, int64_t j1, typename V::Mask m, typename V::T (&acc)[PX][NV]) {
  using T = typename V::T;
  constexpr int kCols = (PX - 1) * S + KT;  // the input columns the PX windows span
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const T b = V::load(bias + v * V::W);
#pragma GCC unroll 8
    for (int px = 0; px < PX; ++px) acc[px][v] = b;
  }
#pragma GCC unroll 5
  for (int ky = 0; ky < KT; ++ky) {
    if (Clip && (ky < ky0 || ky >= ky1)) continue;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      // Clipped, the row's first column may lie before the input: start at j0 instead.
      const float* __restrict xp = xn + (origin + ky * d.W * d.C + (Clip ? j0 : 0) * d.C + v * V::W);
      const float* __restrict wp = w + (ky * KT * d.Cpad + v * V::W);
      T xv[kCols];
#pragma GCC unroll 16
      for (int j = 0; j < kCols; ++j) {
        if (Clip && (j < j0 || j >= j1)) {
          xv[j] = V::zero();
          continue;
        }
        xv[j] = (Tail && v == NV - 1) ? V::load(xp, m) : V::load(xp);
        xp += d.C;
      }
#pragma GCC unroll 5
      for (int kx = 0; kx < KT; ++kx, wp += d.Cpad) {
        const T wv = V::load(wp);
#pragma GCC unroll 8
        for (int px = 0; px < PX; ++px) acc[px][v] = V::fmadd(xv[px * S + kx], wv, acc[px][v]);
      }
    }
  }
}

// The part of a window (or of a pixel group's windows) inside the input: rows [ky0, ky1) of the k
// window rows; columns [x0, x1), counted in taps for one pixel (dw_pixel) and in the group's
// spanned input columns for a group (dw_pixels).
struct DwClip {
  int64_t ky0, ky1, x0, x1;
};

// PX pixels from output column ox (PX = 1: any pixel, window clipped when KT = 0; S is only read by
// groups), channels [c0, c0 + NV * W): taps, then swish, the store (masked past C when Tail) and the
// pixels' SE sums added to part.
template <class V, int NV, bool Tail, int KT, int PX, int S, bool Clip>
EFFNET_SIMD_INLINE void dw_block(const DwShape& d, const float* xn, float* yrow, const float* wt, const float* bias,
                                 int64_t origin, int64_t ox, int64_t c0, const DwClip& c, typename V::Mask m,
                                 float* part) {
  using T = typename V::T;
  T acc[PX][NV];
  if constexpr (PX > 1) {
    dw_pixels<V, NV, Tail, KT, PX, S, Clip>(d, xn, origin + c0, wt + c0, bias + c0, c.ky0, c.ky1, c.x0, c.x1, m, acc);
  } else {
    dw_pixel<V, NV, Tail, KT>(d, xn, origin + c0, wt + c0, bias + c0, c.ky0, c.ky1, c.x0, c.x1, m, acc[0]);
  }
  if (d.swish) {  // one test for the block, and PX x NV independent swishes to overlap
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
#pragma GCC unroll 8
      for (int px = 0; px < PX; ++px) acc[px][v] = simd::swish<V>(acc[px][v]);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    T sum = V::zero();
#pragma GCC unroll 8
    for (int px = 0; px < PX; ++px) {
      const T a = acc[px][v];
      sum = V::add(sum, a);  // lanes past C are exactly 0 (zero x, weights and bias)
      float* y = yrow + (ox + px) * d.C + c0 + v * V::W;
      if (Tail && v == NV - 1) V::store(y, a, m);
      else V::store(y, a);
    }
    if (part != nullptr) V::store(part + c0 + v * V::W, V::add(V::load(part + c0 + v * V::W), sum));
  }
}

// The channel blocks in [c_begin, c_end) of PX pixels: whole blocks of kDwNv vectors, then the
// tail block (fewer vectors, the last one masked when C is not a multiple of W).
template <class V, int KT, int PX, int S, bool Clip>
EFFNET_SIMD_INLINE void dw_blocks(const DwShape& d, const float* xn, float* yrow, const float* wt, const float* bias,
                                  int64_t origin, int64_t ox, const DwClip& c, int64_t c_begin, int64_t c_end,
                                  float* part) {
  constexpr int NV = V::kDwNv;
  constexpr int64_t kBlock = NV * V::W;
  int64_t c0 = c_begin;
  const typename V::Mask all = V::mask(V::W);
  for (; c0 + kBlock <= c_end; c0 += kBlock) {
    dw_block<V, NV, false, KT, PX, S, Clip>(d, xn, yrow, wt, bias, origin, ox, c0, c, all, part);
  }
  if (c0 == c_end) return;
  const int64_t left = c_end - c0, nv = ceil_div(left, V::W), last = left - (nv - 1) * V::W;
  const typename V::Mask m = V::mask(last);
  const bool tail = last < V::W;
#define EFFNET_DW_TAIL(N)                                                                     \
  if (tail) dw_block<V, N, true, KT, PX, S, Clip>(d, xn, yrow, wt, bias, origin, ox, c0, c, m, part); \
  else dw_block<V, N, false, KT, PX, S, Clip>(d, xn, yrow, wt, bias, origin, ox, c0, c, m, part)
  static_assert(NV <= 4, "the tail block dispatch covers up to 4 vectors");
  switch (nv) {
    case 1: EFFNET_DW_TAIL(1); break;
    case 2: if constexpr (NV >= 2) { EFFNET_DW_TAIL(2); } break;
    case 3: if constexpr (NV >= 3) { EFFNET_DW_TAIL(3); } break;
    default: if constexpr (NV >= 4) { EFFNET_DW_TAIL(4); } break;
  }
#undef EFFNET_DW_TAIL
}

// A group of G pixels from output column ox, clipped to the input when Clip (without it, the caller
// has checked that all the group's windows lie inside).
template <class V, int KT, int G, int S, bool Clip>
EFFNET_SIMD_INLINE void dw_group(const DwShape& d, const float* xn, float* yrow, const float* wt, const float* bias,
                                 int64_t iy0, int64_t ky0, int64_t ky1, int64_t ox, int64_t c_begin, int64_t c_end,
                                 float* part) {
  const int64_t ix0 = ox * d.s - d.pad_l;
  // Offset of the windows' top-left tap, possibly outside the input: only taps inside are read.
  const int64_t origin = (iy0 * d.W + ix0) * d.C;
  constexpr int64_t kCols = (G - 1) * S + KT;  // the input columns the group's windows span
  const DwClip c{ky0, ky1, ix0 < 0 ? -ix0 : 0, d.W - ix0 < kCols ? d.W - ix0 : kCols};
  dw_blocks<V, KT, G, S, Clip>(d, xn, yrow, wt, bias, origin, ox, c, c_begin, c_end, part);
}

// Output row oy, channels [c_begin, c_end): pixel groups along the row, every channel block of a
// group before the next group (see dwconv_bn_act for when the range is all channels). S: the
// stride when it is 1 or 2, else 0. At k = 5 with S known, every pixel goes in a group: kDwPx
// pixels, clipped at the borders, and the row's last 2 or 3 in a smaller clipped group (a whole
// group there would compute and drop up to 3 pixels). At k = 3 only interior pixels go in groups
// and border pixels one at a time: they cost little alone (9 taps; clipped groups there measured
// within noise on AVX-512, ~1 % of B0 on AVX2), and every clipped variant adds as much code as an
// unclipped one (at k = 3 too, each level compiled 1.3x slower). Otherwise one pixel at a time,
// the window clipped tap by tap.
template <class V, int KT, int S>
void dw_row(const DwShape& d, const float* xn, float* yn, const float* wt, const float* bias, int64_t oy,
            int64_t c_begin, int64_t c_end, float* part) {
  constexpr int PX = V::kDwPx;
  const int64_t iy0 = oy * d.s - d.pad_t;
  const int64_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = d.H - iy0 < d.k ? d.H - iy0 : d.k;
  const bool full_rows = ky0 == 0 && ky1 == d.k;
  // Whether the windows of n pixels from x lie inside the input.
  const auto inside = [&](int64_t x, int64_t n) { return full_rows && x >= d.ox_lo && x + n <= d.ox_hi; };
  float* yrow = yn + oy * d.Wo * d.C;
  int64_t ox = 0;
  if constexpr (KT == 5 && S > 0) {
    static_assert(PX == 4, "the row's tail groups are of 2 and 3 pixels");
    for (; ox + PX <= d.Wo; ox += PX) {
      if (inside(ox, PX)) {
        dw_group<V, KT, PX, S, false>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
      } else {
        dw_group<V, KT, PX, S, true>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
      }
    }
    if (d.Wo - ox == 3) {
      dw_group<V, KT, 3, S, true>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
      ox += 3;
    } else if (d.Wo - ox == 2) {
      dw_group<V, KT, 2, S, true>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
      ox += 2;
    }
  }
  while (ox < d.Wo) {
    if constexpr (KT > 0 && S > 0) {  // groups need the unrolled window and a known stride
      if (inside(ox, PX)) {
        dw_group<V, KT, PX, S, false>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
        ox += PX;
        continue;
      }
    }
    const int64_t ix0 = ox * d.s - d.pad_l;
    const int64_t origin = (iy0 * d.W + ix0) * d.C;
    if (inside(ox, 1)) {
      dw_blocks<V, KT, 1, 0, false>(d, xn, yrow, wt, bias, origin, ox, DwClip{0, d.k, 0, d.k}, c_begin, c_end, part);
    } else {
      const DwClip c{ky0, ky1, ix0 < 0 ? -ix0 : 0, d.W - ix0 < d.k ? d.W - ix0 : d.k};
      dw_blocks<V, 0, 1, 0, false>(d, xn, yrow, wt, bias, origin, ox, c, c_begin, c_end, part);
    }
    ++ox;
  }
}

// The kernel's view of a dwconv_bn_act op (shared with the fused expand + dw strategy).
template <class V>
DwShape dw_shape(const KernelArgs& a) {
  const OpDesc& op = *a.op;
  DwShape d;
  d.H = a.in.h, d.W = a.in.w, d.C = a.in.c, d.Cpad = round_up(d.C, kChannelPad), d.Wo = a.out.w;
  d.k = op.k, d.s = op.stride, d.pad_t = op.pad[0], d.pad_l = op.pad[1];
  d.swish = op.act == Act::swish;
  d.ox_lo = ceil_div(d.pad_l, d.s);
  d.ox_hi = d.W - d.k + d.pad_l >= 0 ? (d.W - d.k + d.pad_l) / d.s + 1 : 0;
  if (d.ox_hi > d.Wo) d.ox_hi = d.Wo;
  return d;
}

// Loop order along a row: when all k*k*C weights fit in L1 (early layers: few channels, wide
// rows) go pixel-major (a pixel group's input lines are used whole while in L1); otherwise
// (late layers: up to 1152 channels x 25 taps) one channel block at a time along the row, so that
// block's weights stay in L1.
template <class V>
int64_t dw_channel_step(const DwShape& d) {
  const bool pixel_major = d.k * d.k * d.Cpad * int64_t(sizeof(float)) <= kDwL1Bytes;
  return pixel_major ? d.C : int64_t(V::kDwNv) * V::W;
}

// Output row oy of one image, all channels; the row's SE sums are added to part (if not null).
// Before each channel step, one handout of the next op's weights is prefetched (ahead may be null).
template <class V>
void dw_output_row(const DwShape& d, const float* xn, float* yn, const float* wt, const float* bias, int64_t oy,
                   int64_t c_step, float* part, AheadCursor* ahead = nullptr) {
  for (int64_t c0 = 0; c0 < d.C; c0 += c_step) {
    if (ahead != nullptr) ahead->issue();
    const int64_t c1 = c0 + c_step < d.C ? c0 + c_step : d.C;
    if (d.k == 3) {
      if (d.s == 1) dw_row<V, 3, 1>(d, xn, yn, wt, bias, oy, c0, c1, part);
      else if (d.s == 2) dw_row<V, 3, 2>(d, xn, yn, wt, bias, oy, c0, c1, part);
      else dw_row<V, 3, 0>(d, xn, yn, wt, bias, oy, c0, c1, part);
    } else if (d.k == 5) {
      if (d.s == 1) dw_row<V, 5, 1>(d, xn, yn, wt, bias, oy, c0, c1, part);
      else if (d.s == 2) dw_row<V, 5, 2>(d, xn, yn, wt, bias, oy, c0, c1, part);
      else dw_row<V, 5, 0>(d, xn, yn, wt, bias, oy, c0, c1, part);
    } else {
      dw_row<V, 0, 0>(d, xn, yn, wt, bias, oy, c0, c1, part);
    }
  }
}

template <class V>
void dwconv_bn_act(const KernelArgs& a) {
  const DwShape d = dw_shape<V>(a);
  const int64_t Ho = a.out.h, nb = dw_bands(a.out);
  const float* wt = a.weights->w.data();
  const float* bias = a.weights->b.data();
  const int64_t c_step = dw_channel_step<V>(d);
  const int64_t tasks = a.batch * nb;
  parallel_for(tasks, a.threads, [&](int64_t task, int32_t) {
    const int64_t n = task / nb, band = task % nb;
    const int64_t oy0 = Ho * band / nb, oy1 = Ho * (band + 1) / nb;
    float* part = a.sums != nullptr ? a.scratch + task * d.Cpad : nullptr;
    if (part != nullptr) {
      for (int64_t c = 0; c < d.Cpad; c += V::W) V::store(part + c, V::zero());
    }
    const float* xn = a.x + n * d.H * d.W * d.C;
    float* yn = a.y + n * Ho * d.Wo * d.C;
    AheadCursor ahead(TaskAhead{a.ahead, task, tasks}, (oy1 - oy0) * ceil_div(d.C, c_step));
    for (int64_t oy = oy0; oy < oy1; ++oy) dw_output_row<V>(d, xn, yn, wt, bias, oy, c_step, part, &ahead);
  });
  if (a.sums == nullptr) return;
  for (int64_t n = 0; n < a.batch; ++n) {
    const float* part = a.scratch + n * nb * d.Cpad;
    float* sums = a.sums + n * d.C;
    for (int64_t c = 0; c < d.C; c += V::W) {
      typename V::T s = V::load(part + c);
      for (int64_t b = 1; b < nb; ++b) s = V::add(s, V::load(part + b * d.Cpad + c));
      if (d.C - c >= V::W) V::store(sums + c, s);
      else V::store(sums + c, s, V::mask(d.C - c));
    }
  }
}

}  // namespace simd
}  // namespace effnet
