// The AVX2 + FMA vector type of the SIMD kernels: the same interface as cpu/simd/vec_avx512.h with
// 8 floats per register. Tails use vmaskmovps, which suppresses faults on the masked-off lanes.
// Include only between the target pragmas of cpu/avx2/kernels.cc.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "cpu/simd/simd_target.h"

namespace effnet {
namespace simd {

struct Avx2 {
  using T = __m256;
  using Mask = __m256i;
  static constexpr int W = 8;
  // GEMM register tile: 6 rows x 2 vectors = 12 accumulators + 2 weight vectors + 1 broadcast of
  // the 16 ymm registers.
  static constexpr int kGemmMr = 6;
  static constexpr int kGemmNv = 2;
  // dwconv_bn_act: channel block of kDwNv vectors, interior pixels kDwPx at a time (4 pixels x 2 vectors = 8 accumulators of the 16 registers).
  static constexpr int kDwNv = 2;
  static constexpr int kConvNv = 2;  // conv_bn_act: 2 vectors x 4 pixels = 8 accumulators
  static constexpr int kConvMaxNv = 2;  // never wider: 3 x 4 accumulators + 3 weights + 1 broadcast would take all 16 registers
  static constexpr int kConvPx = 4;
  static constexpr int kDwPx = 4;
  // ... one output row per block (kDwRows, kDwRowsS2 = 1: no row blocks): blocks of 2 rows x 4
  // pixels measured within +-3 % of this on B0's depthwise shapes (bench/RESULTS.md, 20:30).
  static constexpr int kDwRows = 1;
  static constexpr int kDwRowsS2 = 1;

  static constexpr bool kScalefExp = false;  // ldexp saturates for any n (simd::exp_neg)
  EFFNET_SIMD_INLINE static T load(const float* p) { return _mm256_loadu_ps(p); }
  EFFNET_SIMD_INLINE static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  EFFNET_SIMD_INLINE static Mask mask(int64_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  EFFNET_SIMD_INLINE static T load(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  EFFNET_SIMD_INLINE static void store(float* p, T v, Mask m) { _mm256_maskstore_ps(p, m, v); }
  EFFNET_SIMD_INLINE static T set1(float f) { return _mm256_set1_ps(f); }
  EFFNET_SIMD_INLINE static T zero() { return _mm256_setzero_ps(); }
  EFFNET_SIMD_INLINE static T add(T a, T b) { return _mm256_add_ps(a, b); }
  EFFNET_SIMD_INLINE static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  EFFNET_SIMD_INLINE static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  EFFNET_SIMD_INLINE static T div(T a, T b) { return _mm256_div_ps(a, b); }
  EFFNET_SIMD_INLINE static T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  EFFNET_SIMD_INLINE static T fnmadd(T a, T b, T c) { return _mm256_fnmadd_ps(a, b, c); }
  EFFNET_SIMD_INLINE static T min(T a, T b) { return _mm256_min_ps(a, b); }
  EFFNET_SIMD_INLINE static T max(T a, T b) { return _mm256_max_ps(a, b); }
  EFFNET_SIMD_INLINE static T round(T x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p * 2^n for integral n in [-126, 127] (simd::exp clamps its input so n stays there): 2^n is
  // built in the exponent bits.
  EFFNET_SIMD_INLINE static T ldexp(T p, T n) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(e, 23)));
  }
};

}  // namespace simd
}  // namespace effnet
