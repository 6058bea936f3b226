// The bf16 level's GEMM arithmetic (precision 'bf16'): the Dot that cpu/simd/gemm.h's kernels use
// for the vector type Avx512Bf16, i.e. the avx512 level with AVX512_BF16. Include only between
// the target pragmas of cpu/avx512_bf16/kernels.cc.
//   B: each panel of 16 output channels is [ceil(K/2)][16][2] bf16, the weights of inputs 2q and
//      2q + 1 side by side per channel (simd::pack_gemm_bf16, zero past K and Cout).
//   A: each tile of up to MR rows is rounded to bf16 (after the SE gate multiply, in fp32, if any)
//      into the thread's scratch tile, rows of ceil(K/2) pairs (an odd K's last pair ends in a
//      zero), so one 32-bit broadcast feeds a step.
//   Step: acc[lane] += a[2q] * b[2q][lane] + a[2q + 1] * b[2q + 1][lane] (vdpbf16ps: the products
//   of two bf16 values are exact in fp32), fp32 accumulators started at the fp32 bias, and the
//   epilogues (swish, residual, pooling) are the fp32 ones.
// Rounding: vcvtne2ps2bf16, to nearest even with denormals to zero; core/bf16.h is its scalar twin.
// Everything outside the 1x1 convolutions (stem, depthwise, SE) is the avx512 code, instantiated
// again for Avx512Bf16 (a distinct type, so those copies are distinct symbols: simd_target.h).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "cpu/simd/gemm.h"
#include "cpu/simd/vec_avx512.h"

namespace effnet {
namespace simd {

struct Avx512Bf16 : Avx512 {};

struct Bf16Dot {
  using V = Avx512Bf16;
  using A = uint32_t;  // a pair of bf16 values (inputs 2q, 2q + 1; the lower half is 2q)
  using AOp = __m512bh;
  using BOp = __m512bh;
  static constexpr int64_t kStep = 2;
  static constexpr bool kTileAlways = true;
  static constexpr bool kBf16 = true;
  static constexpr int64_t panel_floats(int64_t k) { return ceil_div(k, 2) * V::W; }  // 2 bf16 per float
  static constexpr int64_t lda(int64_t k) { return ceil_div(k, 2); }

  static const A* prepare(const GemmArgs& g, int64_t row, int64_t rows, float* tile) {
    const int64_t k = g.k, pairs = lda(k);
    A* out = reinterpret_cast<A*>(tile);
    for (int64_t r = 0; r < rows; ++r) {
      const float* __restrict x = g.a + (row + r) * k;
      const float* __restrict s = g.gate != nullptr ? g.gate + (row + r) / g.rows_per_image * k : nullptr;
      A* d = out + r * pairs;
      for (int64_t c = 0; c < k; c += 2 * V::W) {  // 32 inputs -> 16 pairs
        const auto m0 = V::mask(clamp_lanes(k - c)), m1 = V::mask(clamp_lanes(k - c - V::W));
        __m512 x0 = V::load(x + c, m0), x1 = V::load(x + c + V::W, m1);
        if (s != nullptr) {
          x0 = V::mul(x0, V::load(s + c, m0));
          x1 = V::mul(x1, V::load(s + c + V::W, m1));
        }
        const __m512i v = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(x1, x0));
        const int64_t left = pairs - c / 2;
        if (left >= V::W) _mm512_storeu_si512(d + c / 2, v);
        else _mm512_mask_storeu_epi32(d + c / 2, V::mask(left), v);
      }
    }
    return out;
  }
  EFFNET_SIMD_INLINE static AOp a_at(const A* a, int64_t step) {
    return reinterpret_cast<__m512bh>(_mm512_set1_epi32(int32_t(a[step])));
  }
  EFFNET_SIMD_INLINE static BOp b_at(const float* panel, int64_t step) {
    return reinterpret_cast<__m512bh>(_mm512_loadu_si512(panel + step * V::W));
  }
  EFFNET_SIMD_INLINE static __m512 madd(AOp a, BOp b, __m512 acc) { return _mm512_dpbf16_ps(acc, a, b); }

 private:
  EFFNET_SIMD_INLINE static int64_t clamp_lanes(int64_t n) { return n < 0 ? 0 : n > V::W ? V::W : n; }
};

template <>
struct GemmDotOf<Avx512Bf16> {
  using type = Bf16Dot;
};

}  // namespace simd
}  // namespace effnet
