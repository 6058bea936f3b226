// conv_bn_act, SIMD (the dense stem conv, e.g. 3x3 s2, 3 -> 32 channels), written once over V.
//   y[n,oy,ox,co] = act(b[co] + sum_{ky,kx,ci} x[n, oy*s - pad_t + ky, ox*s - pad_l + kx, ci] * w[co,ci,ky,kx])
// Layouts: x, y NHWC; weights packed [ky][kx][ci][Copad] (packing.h), zero past Cout.
// Vectorised over output channels: blocks of V::kConvNv vectors (the last block up to
// V::kConvMaxNv, see conv_bn_act) x V::kConvPx output pixels held in registers for the whole
// window; per (tap, input channel) NV weight loads and PX broadcasts feed NV * PX FMAs (Cin is
// tiny: 3). Taps outside the input (explicit 4-sided padding) are skipped by clipping the window
// of the border pixels, which go one at a time.
// Fusion: bias starts the accumulators, swish before the one (masked on the Cout tail) store.
// Threads: tasks are (image, output row). Precision: fp32 FMA accumulation in (ky, kx, ci) order.
#pragma once
#include "core/thread_pool.h"
#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"
#include "cpu/simd/vec_math.h"

namespace effnet {
namespace simd {

struct ConvShape {
  int64_t H, W, Ci, Co, Copad, Wo, k, s, pad_t, pad_l;
  bool swish;
};

// PX output pixels (consecutive ox from ox0), taps [ky0, ky1) x [kx0, kx1); each weight vector load
// feeds PX FMAs, each broadcast input sample NV FMAs. KT, CI > 0: the whole k x k window of CI input
// channels, known at compile time (the stem's 3x3 x 3 in EfficientNet), so the 27 taps unroll
// into straight FMAs; the run-time loops of 3 trips each cost about as much as the FMAs.
template <class V, int NV, int PX, int KT = 0, int CI = 0>
EFFNET_SIMD_INLINE void conv_pixels(const ConvShape& d, const float* __restrict xn, const float* __restrict wt,
                                    const float* __restrict bias, int64_t iy0, int64_t ky0, int64_t ky1,
                                    int64_t ix0, int64_t kx0, int64_t kx1, typename V::T (&acc)[PX][NV]) {
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const typename V::T b = V::load(bias + v * V::W);
#pragma GCC unroll 8
    for (int px = 0; px < PX; ++px) acc[px][v] = b;
  }
  const int64_t ci_n = CI > 0 ? CI : d.Ci, k = KT > 0 ? KT : d.k, step = d.s * ci_n;
  if constexpr (KT > 0) {
    ky0 = kx0 = 0;
    ky1 = kx1 = KT;
  }
#pragma GCC unroll 3
  for (int64_t ky = ky0; ky < ky1; ++ky) {
#pragma GCC unroll 3
    for (int64_t kx = kx0; kx < kx1; ++kx) {
      const float* x = xn + ((iy0 + ky) * d.W + ix0 + kx) * ci_n;
      const float* w = wt + (ky * k + kx) * ci_n * d.Copad;
#pragma GCC unroll 3
      for (int64_t ci = 0; ci < ci_n; ++ci) {
        typename V::T wv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) wv[v] = V::load(w + ci * d.Copad + v * V::W);
#pragma GCC unroll 8
        for (int px = 0; px < PX; ++px) {
          const typename V::T xv = V::set1(x[px * step + ci]);
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[px][v] = V::fmadd(xv, wv[v], acc[px][v]);
        }
      }
    }
  }
}

// Output row oy of one image, output channels [co0, co0 + NV * W), the last vector masked if Tail.
// Pixels whose window is clipped by the padding (only the first/last columns) go one at a time.
template <class V, int NV, bool Tail>
void conv_row(const ConvShape& d, const float* xn, float* yrow, const float* wt, const float* bias, int64_t oy,
              int64_t co0, typename V::Mask m) {
  using T = typename V::T;
  constexpr int PX = V::kConvPx;
  const int64_t iy0 = oy * d.s - d.pad_t;
  const int64_t ky0 = iy0 < 0 ? -iy0 : 0, ky1 = d.H - iy0 < d.k ? d.H - iy0 : d.k;
  const auto store = [&](int64_t ox, T (&acc)[NV]) EFFNET_SIMD_LAMBDA_INLINE {
    float* y = yrow + ox * d.Co + co0;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if (d.swish) acc[v] = simd::swish<V>(acc[v]);
      if (Tail && v == NV - 1) V::store(y + v * V::W, acc[v], m);
      else V::store(y + v * V::W, acc[v]);
    }
  };
  for (int64_t ox = 0; ox < d.Wo;) {
    const int64_t ix0 = ox * d.s - d.pad_l;
    if (ix0 >= 0 && (ox + PX - 1) * d.s - d.pad_l + d.k <= d.W) {
      T acc[PX][NV];
      if (d.k == 3 && d.Ci == 3 && ky0 == 0 && ky1 == 3) {
        conv_pixels<V, NV, PX, 3, 3>(d, xn, wt + co0, bias + co0, iy0, 0, 3, ix0, 0, 3, acc);
      } else {
        conv_pixels<V, NV, PX>(d, xn, wt + co0, bias + co0, iy0, ky0, ky1, ix0, 0, d.k, acc);
      }
#pragma GCC unroll 8
      for (int px = 0; px < PX; ++px) store(ox + px, acc[px]);
      ox += PX;
      continue;
    }
    const int64_t kx0 = ix0 < 0 ? -ix0 : 0, kx1 = d.W - ix0 < d.k ? d.W - ix0 : d.k;
    T acc[1][NV];
    conv_pixels<V, NV, 1>(d, xn, wt + co0, bias + co0, iy0, ky0, ky1, ix0, kx0, kx1, acc);
    store(ox, acc[0]);
    ++ox;
  }
}

template <class V, int NV>
EFFNET_SIMD_INLINE void conv_row_tail(bool tail, const ConvShape& d, const float* xn, float* yrow, const float* wt,
                                      const float* bias, int64_t oy, int64_t co0, typename V::Mask m) {
  if (tail) conv_row<V, NV, true>(d, xn, yrow, wt, bias, oy, co0, m);
  else conv_row<V, NV, false>(d, xn, yrow, wt, bias, oy, co0, m);
}

template <class V>
void conv_bn_act(const KernelArgs& a) {
  const OpDesc& op = *a.op;
  ConvShape d;
  d.H = a.in.h, d.W = a.in.w, d.Ci = a.in.c, d.Co = a.out.c, d.Copad = round_up(d.Co, kChannelPad);
  d.Wo = a.out.w, d.k = op.k, d.s = op.stride, d.pad_t = op.pad[0], d.pad_l = op.pad[1];
  d.swish = op.act == Act::swish;
  const int64_t Ho = a.out.h;
  const float* wt = a.weights->w.data();
  const float* bias = a.weights->b.data();
  parallel_for(a.batch * Ho, a.threads, [&](int64_t task, int32_t) {
    const int64_t n = task / Ho, oy = task % Ho;
    const float* xn = a.x + n * d.H * d.W * d.Ci;
    float* yrow = a.y + (n * Ho + oy) * d.Wo * d.Co;
    for (int64_t co0 = 0, nv = 0; co0 < d.Co; co0 += nv * V::W) {
      // Blocks of kConvNv vectors, but what is left goes in one block when it fits the registers
      // (kConvMaxNv): B3's 40 channels as 2 + 1 vectors swept the row twice, the second time with
      // only kConvPx accumulators, too few to cover the FMA latency (B3's stem at batch 1, 1 thread:
      // 0.52 -> 0.41 ms).
      const int64_t left = d.Co - co0;
      nv = ceil_div(left, V::W) <= V::kConvMaxNv ? ceil_div(left, V::W) : V::kConvNv;
      const int64_t last = left < nv * V::W ? left - (nv - 1) * V::W : V::W;
      const bool tail = last < V::W;
      const typename V::Mask m = V::mask(tail ? last : V::W);
      switch (nv) {
        case 4: conv_row_tail<V, 4>(tail, d, xn, yrow, wt, bias, oy, co0, m); break;
        case 3: conv_row_tail<V, 3>(tail, d, xn, yrow, wt, bias, oy, co0, m); break;
        case 2: conv_row_tail<V, 2>(tail, d, xn, yrow, wt, bias, oy, co0, m); break;
        default: conv_row_tail<V, 1>(tail, d, xn, yrow, wt, bias, oy, co0, m); break;
      }
    }
  });
}

}  // namespace simd
}  // namespace effnet
