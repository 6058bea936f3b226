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
// Rows: at stride 1 (and 2, per level) up to V::kDwRows output rows whose windows lie inside go in
// one block (dw_row_block): each input vector loaded once feeds every row whose window holds it.
// Threads: tasks are (image, band of output rows), bands following the thread count (tiling.h);
// each output row writes its partial sums to scratch[image][row][Cpad], reduced in row order
// afterwards, so results are bit-identical for any thread count and any bands.
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
  int64_t oy_lo, oy_hi;  // output rows whose window lies inside the input
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

// PX adjacent pixels of R adjacent output rows at once (KT > 0, stride S): an input row's
// (PX - 1) * S + k vectors are loaded once into registers and each feeds up to k FMAs of every
// output row whose window holds that input row, so each weight vector load serves PX FMAs and, with
// R > 1, each input vector serves up to R rows (R = 1 reads each input row once per output row, k
// times in all, from L2 on the wide maps). Every output still takes its taps in (ky, kx) order, so
// a pixel's result does not depend on R. Addresses advance by pointer increments: per-FMA index
// arithmetic with run-time strides ran out of integer registers and spilled. Clip: a group at the
// border; only input rows [ky0, ky1) of the window (R = 1; R > 1 is only called on rows whose
// windows lie inside) and spanned input columns [j0, j1) lie inside the input, the others are zero
// padding (rows are skipped, columns enter as zero vectors), so border pixels keep the unrolled
// taps instead of clipping the window pixel by pixel.
template <class V, int NV, bool Tail, int KT, int R, int PX, int S, bool Clip>
EFFNET_SIMD_INLINE void dw_pixels(const DwShape& d, const float* __restrict xn, int64_t origin,
                                  const float* __restrict w, const float* __restrict bias, int64_t ky0, int64_t ky1,
                                  int64_t j0, int64_t j1, typename V::Mask m, typename V::T (&acc)[R * PX][NV]) {
  using T = typename V::T;
  constexpr int kCols = (PX - 1) * S + KT;  // the input columns the PX windows span
  constexpr int kRows = (R - 1) * S + KT;   // the input rows the R rows' windows span
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const T b = V::load(bias + v * V::W);
#pragma GCC unroll 16
    for (int q = 0; q < R * PX; ++q) acc[q][v] = b;
  }
#pragma GCC unroll 16
  for (int iy = 0; iy < kRows; ++iy) {
    if (Clip && R == 1 && (iy < ky0 || iy >= ky1)) continue;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      // Clipped, the row's first column may lie before the input: start at j0 instead.
      const float* __restrict xp = xn + (origin + iy * d.W * d.C + (Clip ? j0 : 0) * d.C + v * V::W);
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
      // Output row r's taps on this input row: its window's row ky = iy - r * S.
      const auto row_taps = [&](int r, int ky) __attribute__((always_inline)) {
        const float* __restrict wp = w + (ky * KT * d.Cpad + v * V::W);
#pragma GCC unroll 5
        for (int kx = 0; kx < KT; ++kx, wp += d.Cpad) {
          const T wv = V::load(wp);
#pragma GCC unroll 8
          for (int px = 0; px < PX; ++px) acc[r * PX + px][v] = V::fmadd(xv[px * S + kx], wv, acc[r * PX + px][v]);
        }
      };
      if constexpr (R == 1) {
        row_taps(0, iy);  // no loop of one row: with one, GCC 12 spilled, 1-4 % slower at AVX2
      } else {
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) {
          if (iy - r * S >= 0 && iy - r * S < KT) row_taps(r, iy - r * S);
        }
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

// PX pixels from output column ox of R output rows (PX = 1: any pixel of one row, window clipped
// when KT = 0; S is only read by groups), channels [c0, c0 + NV * W): taps, then swish, the store
// (masked past C when Tail) and each row's pixels' SE sums added to that row's partials (part, rows
// d.Cpad apart).
template <class V, int NV, bool Tail, int KT, int R, int PX, int S, bool Clip>
EFFNET_SIMD_INLINE void dw_block(const DwShape& d, const float* xn, float* yrow, const float* wt, const float* bias,
                                 int64_t origin, int64_t ox, int64_t c0, const DwClip& c, typename V::Mask m,
                                 float* part) {
  using T = typename V::T;
  static_assert(PX > 1 || R == 1, "single pixels go one row at a time");
  T acc[R * PX][NV];  // pixel px of row r at r * PX + px
  if constexpr (PX > 1) {
    dw_pixels<V, NV, Tail, KT, R, PX, S, Clip>(d, xn, origin + c0, wt + c0, bias + c0, c.ky0, c.ky1, c.x0, c.x1, m,
                                               acc);
  } else {
    dw_pixel<V, NV, Tail, KT>(d, xn, origin + c0, wt + c0, bias + c0, c.ky0, c.ky1, c.x0, c.x1, m, acc[0]);
  }
  if (d.swish) {  // one test for the block, and R x PX x NV independent swishes to overlap
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
#pragma GCC unroll 16
      for (int q = 0; q < R * PX; ++q) acc[q][v] = simd::swish<V>(acc[q][v]);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    T sum = V::zero();
#pragma GCC unroll 16
    for (int q = 0; q < R * PX; ++q) {
      const int r = q / PX, px = q % PX;
      const T a = acc[q][v];
      sum = V::add(px == 0 ? V::zero() : sum, a);  // lanes past C are exactly 0 (zero x, weights and bias)
      float* y = yrow + r * d.Wo * d.C + (ox + px) * d.C + c0 + v * V::W;
      if (Tail && v == NV - 1) V::store(y, a, m);
      else V::store(y, a);
      if (px == PX - 1 && part != nullptr) {
        float* pr = part + r * d.Cpad + c0 + v * V::W;
        V::store(pr, V::add(V::load(pr), sum));
      }
    }
  }
}

// The channel blocks in [c_begin, c_end) of PX pixels of R rows: whole blocks of NV vectors (kDwNv
// for one row; one vector for several rows, whose R x PX accumulators already fill the registers),
// then the tail block (fewer vectors, the last one masked when C is not a multiple of W).
template <class V, int KT, int R, int PX, int S, bool Clip>
EFFNET_SIMD_INLINE void dw_blocks(const DwShape& d, const float* xn, float* yrow, const float* wt, const float* bias,
                                  int64_t origin, int64_t ox, const DwClip& c, int64_t c_begin, int64_t c_end,
                                  float* part) {
  constexpr int NV = R > 1 ? 1 : V::kDwNv;
  constexpr int64_t kBlock = NV * V::W;
  int64_t c0 = c_begin;
  const typename V::Mask all = V::mask(V::W);
  for (; c0 + kBlock <= c_end; c0 += kBlock) {
    dw_block<V, NV, false, KT, R, PX, S, Clip>(d, xn, yrow, wt, bias, origin, ox, c0, c, all, part);
  }
  if (c0 == c_end) return;
  const int64_t left = c_end - c0, nv = ceil_div(left, V::W), last = left - (nv - 1) * V::W;
  const typename V::Mask m = V::mask(last);
  const bool tail = last < V::W;
#define EFFNET_DW_TAIL(N)                                                                     \
  if (tail) dw_block<V, N, true, KT, R, PX, S, Clip>(d, xn, yrow, wt, bias, origin, ox, c0, c, m, part); \
  else dw_block<V, N, false, KT, R, PX, S, Clip>(d, xn, yrow, wt, bias, origin, ox, c0, c, m, part)
  static_assert(NV <= 4, "the tail block dispatch covers up to 4 vectors");
  switch (nv) {
    case 1: EFFNET_DW_TAIL(1); break;
    case 2: if constexpr (NV >= 2) { EFFNET_DW_TAIL(2); } break;
    case 3: if constexpr (NV >= 3) { EFFNET_DW_TAIL(3); } break;
    default: if constexpr (NV >= 4) { EFFNET_DW_TAIL(4); } break;
  }
#undef EFFNET_DW_TAIL
}

// A group of G pixels from output column ox of R rows from iy0's, clipped to the input when Clip
// (without it, the caller has checked that all the group's windows lie inside).
template <class V, int KT, int R, int G, int S, bool Clip>
EFFNET_SIMD_INLINE void dw_group(const DwShape& d, const float* xn, float* yrow, const float* wt, const float* bias,
                                 int64_t iy0, int64_t ky0, int64_t ky1, int64_t ox, int64_t c_begin, int64_t c_end,
                                 float* part) {
  const int64_t ix0 = ox * d.s - d.pad_l;
  // Offset of the windows' top-left tap, possibly outside the input: only taps inside are read.
  const int64_t origin = (iy0 * d.W + ix0) * d.C;
  constexpr int64_t kCols = (G - 1) * S + KT;  // the input columns the group's windows span
  const DwClip c{ky0, ky1, ix0 < 0 ? -ix0 : 0, d.W - ix0 < kCols ? d.W - ix0 : kCols};
  dw_blocks<V, KT, R, G, S, Clip>(d, xn, yrow, wt, bias, origin, ox, c, c_begin, c_end, part);
}

// One pixel of output row oy (its window's top at input row iy0, rows [ky0, ky1) inside), channels
// [c_begin, c_end): the unrolled taps when its window lies inside, else the window clipped tap by tap.
template <class V, int KT>
EFFNET_SIMD_INLINE void dw_single(const DwShape& d, const float* xn, float* yrow, const float* wt, const float* bias,
                                  int64_t iy0, int64_t ky0, int64_t ky1, bool inside, int64_t ox, int64_t c_begin,
                                  int64_t c_end, float* part) {
  const int64_t ix0 = ox * d.s - d.pad_l;
  const int64_t origin = (iy0 * d.W + ix0) * d.C;
  if (inside) {
    dw_blocks<V, KT, 1, 1, 0, false>(d, xn, yrow, wt, bias, origin, ox, DwClip{0, d.k, 0, d.k}, c_begin, c_end, part);
  } else {
    const DwClip c{ky0, ky1, ix0 < 0 ? -ix0 : 0, d.W - ix0 < d.k ? d.W - ix0 : d.k};
    dw_blocks<V, 0, 1, 1, 0, false>(d, xn, yrow, wt, bias, origin, ox, c, c_begin, c_end, part);
  }
}

// Output row oy, channels [c_begin, c_end), columns from ox_begin: pixel groups along the row,
// every channel block of a group before the next group (see dwconv_bn_act for when the range is all
// channels). S: the stride when it is 1 or 2, else 0. At k = 5 with S known, every pixel goes in a
// group: kDwPx pixels, clipped at the borders, and the row's last 2 or 3 in a smaller clipped group
// (a whole group there would compute and drop up to 3 pixels). At k = 3 only interior pixels go in
// groups and border pixels one at a time: they cost little alone (9 taps; clipped groups there
// measured within noise on AVX-512, ~1 % of B0 on AVX2), and every clipped variant adds as much
// code as an unclipped one (at k = 3 too, each level compiled 1.3x slower). Otherwise one pixel at
// a time, the window clipped tap by tap.
template <class V, int KT, int S>
void dw_row(const DwShape& d, const float* xn, float* yn, const float* wt, const float* bias, int64_t oy,
            int64_t c_begin, int64_t c_end, float* part, int64_t ox_begin = 0) {
  constexpr int PX = V::kDwPx;
  const int64_t iy0 = oy * d.s - d.pad_t;
  const int64_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = d.H - iy0 < d.k ? d.H - iy0 : d.k;
  const bool full_rows = ky0 == 0 && ky1 == d.k;
  // Whether the windows of n pixels from x lie inside the input.
  const auto inside = [&](int64_t x, int64_t n) { return full_rows && x >= d.ox_lo && x + n <= d.ox_hi; };
  float* yrow = yn + oy * d.Wo * d.C;
  int64_t ox = ox_begin;
  if constexpr (KT == 5 && S > 0) {
    static_assert(PX == 4, "the row's tail groups are of 2 and 3 pixels");
    for (; ox + PX <= d.Wo; ox += PX) {
      if (inside(ox, PX)) {
        dw_group<V, KT, 1, PX, S, false>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
      } else {
        dw_group<V, KT, 1, PX, S, true>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
      }
    }
    if (d.Wo - ox == 3) {
      dw_group<V, KT, 1, 3, S, true>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
      ox += 3;
    } else if (d.Wo - ox == 2) {
      dw_group<V, KT, 1, 2, S, true>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
      ox += 2;
    }
  }
  while (ox < d.Wo) {
    if constexpr (KT > 0 && S > 0) {  // groups need the unrolled window and a known stride
      if (inside(ox, PX)) {
        dw_group<V, KT, 1, PX, S, false>(d, xn, yrow, wt, bias, iy0, ky0, ky1, ox, c_begin, c_end, part);
        ox += PX;
        continue;
      }
    }
    dw_single<V, KT>(d, xn, yrow, wt, bias, iy0, ky0, ky1, inside(ox, 1), ox, c_begin, c_end, part);
    ++ox;
  }
}

// R output rows from oy (R > 1, stride S = 1 or 2, KT = 3 or 5), channels [c_begin, c_end), every
// row's window inside the input (dw_block_rows): the same column walk as dw_row, so every pixel
// meets the same group or single-pixel step (and its row's SE sums the same additions in the same
// order) as it would one row at a time; only the groups compute all R rows at once, each input
// vector loaded once for them (dw_pixels). The single pixels and k = 5's tail groups go row by
// row. Before each group, its share of `handouts` prefetch handouts of the next op's weights
// (ahead may be null).
template <class V, int KT, int S, int R>
void dw_row_block(const DwShape& d, const float* xn, float* yn, const float* wt, const float* bias, int64_t oy,
                  int64_t c_begin, int64_t c_end, float* part, AheadCursor* ahead, int64_t handouts) {
  constexpr int PX = V::kDwPx;
  const int64_t iy0 = oy * d.s - d.pad_t;
  const auto inside = [&](int64_t x, int64_t n) { return x >= d.ox_lo && x + n <= d.ox_hi; };
  const auto row_part = [&](int r) { return part != nullptr ? part + r * d.Cpad : nullptr; };
  float* yrow = yn + oy * d.Wo * d.C;
  const int64_t steps = ceil_div(d.Wo, PX);
  int64_t step = 0, issued = 0;
  const auto pace = [&]() {
    if (ahead == nullptr) return;
    ++step;
    for (const int64_t due = handouts * (step < steps ? step : steps) / steps; issued < due; ++issued) ahead->issue();
  };
  int64_t ox = 0;
  if constexpr (KT == 5) {
    for (; ox + PX <= d.Wo; ox += PX) {
      pace();
      if (inside(ox, PX)) {
        dw_group<V, KT, R, PX, S, false>(d, xn, yrow, wt, bias, iy0, 0, KT, ox, c_begin, c_end, part);
      } else {
        dw_group<V, KT, R, PX, S, true>(d, xn, yrow, wt, bias, iy0, 0, KT, ox, c_begin, c_end, part);
      }
    }
    if (ox < d.Wo) {
      pace();
      for (int r = 0; r < R; ++r) dw_row<V, KT, S>(d, xn, yn, wt, bias, oy + r, c_begin, c_end, row_part(r), ox);
    }
  } else {
    while (ox < d.Wo) {
      if (inside(ox, PX)) {
        pace();
        dw_group<V, KT, R, PX, S, false>(d, xn, yrow, wt, bias, iy0, 0, KT, ox, c_begin, c_end, part);
        ox += PX;
        continue;
      }
      for (int r = 0; r < R; ++r) {
        dw_single<V, KT>(d, xn, yrow + r * d.Wo * d.C, wt, bias, iy0 + r * S, 0, KT, inside(ox, 1), ox, c_begin, c_end,
                         row_part(r));
      }
      ++ox;
    }
  }
  for (; issued < handouts && ahead != nullptr; ++issued) ahead->issue();
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
  d.oy_lo = ceil_div(d.pad_t, d.s);
  d.oy_hi = d.H - d.k + d.pad_t >= 0 ? (d.H - d.k + d.pad_t) / d.s + 1 : 0;
  if (d.oy_hi > a.out.h) d.oy_hi = a.out.h;
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

// How many output rows from oy (before oy_end) go in one dw_row_block: up to the level's rows per
// block for the stride (V::kDwRows at stride 1, V::kDwRowsS2 at 2) when k is 3 or 5 and all those
// rows' windows lie inside the input; else 1 (dw_output_row).
template <class V>
int64_t dw_block_rows(const DwShape& d, int64_t oy, int64_t oy_end) {
  const int64_t most = d.s == 1 ? V::kDwRows : d.s == 2 ? V::kDwRowsS2 : 1;
  if (most <= 1 || (d.k != 3 && d.k != 5) || oy < d.oy_lo || oy >= d.oy_hi) return 1;
  const int64_t end = oy_end < d.oy_hi ? oy_end : d.oy_hi;
  return end - oy < most ? end - oy : most;
}

// dw_row_block for R rows from oy (1 < R <= 4, from dw_block_rows).
template <class V, int KT, int S>
void dw_row_block_of(const DwShape& d, const float* xn, float* yn, const float* wt, const float* bias, int64_t oy,
                     int64_t rows, int64_t c_begin, int64_t c_end, float* part, AheadCursor* ahead) {
  constexpr int kMost = S == 1 ? V::kDwRows : V::kDwRowsS2;
  static_assert(kMost <= 4, "row blocks of up to 4 rows");
#define EFFNET_DW_ROWS(N) dw_row_block<V, KT, S, N>(d, xn, yn, wt, bias, oy, c_begin, c_end, part, ahead, rows)
  switch (rows) {
    case 2: if constexpr (kMost >= 2) { EFFNET_DW_ROWS(2); } break;
    case 3: if constexpr (kMost >= 3) { EFFNET_DW_ROWS(3); } break;
    default: if constexpr (kMost >= 4) { EFFNET_DW_ROWS(4); } break;
  }
#undef EFFNET_DW_ROWS
}

// Output rows [oy, oy + rows) of one image as one row block, a channel step at a time (as
// dw_output_row: all channels at once where their weights fit in L1, else a channel block along the
// rows, its weights staying in L1); `rows` prefetch handouts per channel step.
template <class V>
void dw_output_rows(const DwShape& d, const float* xn, float* yn, const float* wt, const float* bias, int64_t oy,
                    int64_t rows, int64_t c_step, float* part, AheadCursor* ahead) {
  for (int64_t c0 = 0; c0 < d.C; c0 += c_step) {
    const int64_t c1 = c0 + c_step < d.C ? c0 + c_step : d.C;
    if (d.k == 3) {
      if (d.s == 1) dw_row_block_of<V, 3, 1>(d, xn, yn, wt, bias, oy, rows, c0, c1, part, ahead);
      else dw_row_block_of<V, 3, 2>(d, xn, yn, wt, bias, oy, rows, c0, c1, part, ahead);
    } else {
      if (d.s == 1) dw_row_block_of<V, 5, 1>(d, xn, yn, wt, bias, oy, rows, c0, c1, part, ahead);
      else dw_row_block_of<V, 5, 2>(d, xn, yn, wt, bias, oy, rows, c0, c1, part, ahead);
    }
  }
}

// Output rows [oy, oy + rows) of one image (rows from dw_block_rows): their SE partials (part,
// rows d.Cpad apart; may be null) zeroed, then one row block or one row.
template <class V>
void dw_output_block(const DwShape& d, const float* xn, float* yn, const float* wt, const float* bias, int64_t oy,
                     int64_t rows, int64_t c_step, float* part, AheadCursor* ahead) {
  if (part != nullptr) {
    for (int64_t c = 0; c < rows * d.Cpad; c += V::W) V::store(part + c, V::zero());
  }
  if (rows > 1) dw_output_rows<V>(d, xn, yn, wt, bias, oy, rows, c_step, part, ahead);
  else dw_output_row<V>(d, xn, yn, wt, bias, oy, c_step, part, ahead);
}

// The SE sums sums[n][C] from the per-row partials part[n][Ho][Cpad], added in row order (so the
// same for any split of the rows into tasks). Shared with the fused expand + depthwise step.
template <class V>
void dw_reduce_row_sums(const DwShape& d, const float* part, int64_t Ho, int64_t batch, float* sums) {
  for (int64_t n = 0; n < batch; ++n) {
    const float* pn = part + n * Ho * d.Cpad;
    float* sn = sums + n * d.C;
    for (int64_t c = 0; c < d.C; c += V::W) {
      typename V::T s = V::load(pn + c);
      for (int64_t oy = 1; oy < Ho; ++oy) s = V::add(s, V::load(pn + oy * d.Cpad + c));
      if (d.C - c >= V::W) V::store(sn + c, s);
      else V::store(sn + c, s, V::mask(d.C - c));
    }
  }
}

// Tasks are (image, band of output rows); within a band, rows go in blocks (dw_block_rows) or one
// at a time. The SE sums are kept per output row (scratch[image][row][Cpad]) and reduced in row
// order, and a pixel's value and its row's sums do not depend on the block its row went in, so
// results are the same for any bands, any thread count.
template <class V>
void dwconv_bn_act(const KernelArgs& a) {
  const DwShape d = dw_shape<V>(a);
  const int64_t Ho = a.out.h, nb = dw_bands(a.out, a.batch, a.threads);
  const float* wt = a.weights->w.data();
  const float* bias = a.weights->b.data();
  const int64_t c_step = dw_channel_step<V>(d);
  const int64_t row_handouts = ceil_div(d.C, c_step);
  const int64_t tasks = a.batch * nb;
  parallel_for(tasks, a.threads, [&](int64_t task, int32_t) {
    const int64_t n = task / nb, band = task % nb;
    const int64_t oy0 = Ho * band / nb, oy1 = Ho * (band + 1) / nb;
    const float* xn = a.x + n * d.H * d.W * d.C;
    float* yn = a.y + n * Ho * d.Wo * d.C;
    AheadCursor ahead(TaskAhead{a.ahead, task, tasks}, (oy1 - oy0) * row_handouts);
    for (int64_t oy = oy0; oy < oy1;) {
      const int64_t rows = dw_block_rows<V>(d, oy, oy1);
      float* part = a.sums != nullptr ? a.scratch + (n * Ho + oy) * d.Cpad : nullptr;
      dw_output_block<V>(d, xn, yn, wt, bias, oy, rows, c_step, part, &ahead);
      oy += rows;
    }
  });
  if (a.sums != nullptr) dw_reduce_row_sums<V>(d, a.scratch, Ho, a.batch, a.sums);
}

}  // namespace simd
}  // namespace effnet
