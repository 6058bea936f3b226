// The AVX-512 vector type of the SIMD kernels (cpu/simd/*.h are written once against this
// interface; cpu/simd/vec_avx2.h is the other implementation). 16 floats per register; tails use
// AVX-512 write/zero masks, which also suppress faults, so a tail never touches memory past it.
// Include only between the target pragmas of cpu/avx512/kernels.cc (see cpu/simd/README in
// simd_target.h): these functions use AVX-512 instructions.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "cpu/simd/simd_target.h"

namespace effnet {
namespace simd {

struct Avx512 {
  using T = __m512;
  using Mask = __mmask16;
  static constexpr int W = 16;
  // GEMM register tile: 8 rows x 2 vectors = 16 accumulators + 2 weight vectors + 1 broadcast of
  // the 32 zmm registers; each k step is 2 weight loads + 8 broadcasts for 16 FMAs. The tile AMD
  // parts run; Intel's run Avx512Gemm8x3 (below).
  static constexpr int kGemmMr = 8;
  static constexpr int kGemmNv = 2;
  // dwconv_bn_act: channel block of kDwNv vectors, interior pixels kDwPx at a time (4 pixels x 4 vectors = 16 accumulators).
  static constexpr int kDwNv = 4;
  static constexpr int kConvNv = 2;  // conv_bn_act: 2 vectors x 4 pixels = 8 accumulators
  static constexpr int kConvMaxNv = 4;  // ... or up to 4 vectors when that is all that is left (21 of the 32 registers)
  static constexpr int kConvPx = 4;
  static constexpr int kDwPx = 4;
  // ... and up to kDwRows output rows per block at stride 1 (kDwRowsS2 at stride 2), one vector of
  // channels: 2 rows x 4 pixels = 8 accumulators. 3 and 4 rows (12, 16) ran faster without an
  // activation but slower with the swish epilogue, whose 12-16 overlapped exps spill registers.
  static constexpr int kDwRows = 2;
  static constexpr int kDwRowsS2 = 2;

  static constexpr bool kScalefExp = true;  // ldexp saturates for any n (simd::exp_neg)
  EFFNET_SIMD_INLINE static T load(const float* p) { return _mm512_loadu_ps(p); }
  EFFNET_SIMD_INLINE static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  // The first n lanes (0 <= n <= W).
  EFFNET_SIMD_INLINE static Mask mask(int64_t n) { return Mask((1u << unsigned(n)) - 1u); }
  EFFNET_SIMD_INLINE static T load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  EFFNET_SIMD_INLINE static void store(float* p, T v, Mask m) { _mm512_mask_storeu_ps(p, m, v); }
  EFFNET_SIMD_INLINE static T set1(float f) { return _mm512_set1_ps(f); }
  EFFNET_SIMD_INLINE static T zero() { return _mm512_setzero_ps(); }
  EFFNET_SIMD_INLINE static T add(T a, T b) { return _mm512_add_ps(a, b); }
  EFFNET_SIMD_INLINE static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  EFFNET_SIMD_INLINE static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  EFFNET_SIMD_INLINE static T div(T a, T b) { return _mm512_div_ps(a, b); }
  EFFNET_SIMD_INLINE static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }   // a * b + c
  EFFNET_SIMD_INLINE static T fnmadd(T a, T b, T c) { return _mm512_fnmadd_ps(a, b, c); } // c - a * b
  // min, max, roundscale and scalef go through their zero-masked forms with an all-ones mask (the same
  // instruction): GCC 12's plain forms start from _mm512_undefined_*, which trips a false
  // -Wmaybe-uninitialized (GCC PR 105593, fixed in GCC 13).
  EFFNET_SIMD_INLINE static T min(T a, T b) { return _mm512_maskz_min_ps(kAll, a, b); }
  EFFNET_SIMD_INLINE static T max(T a, T b) { return _mm512_maskz_max_ps(kAll, a, b); }
  // Round to the nearest integer (ties to even), one vrndscaleps.
  EFFNET_SIMD_INLINE static T round(T x) {
    return _mm512_maskz_roundscale_ps(kAll, x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  // p * 2^n for integral n, one vscalefps.
  EFFNET_SIMD_INLINE static T ldexp(T p, T n) { return _mm512_maskz_scalef_ps(kAll, p, n); }

 private:
  static constexpr Mask kAll = 0xFFFF;
};

// The avx512 level with an 8 x 3 GEMM tile (24 accumulators + 3 weight vectors + 1 broadcast):
// each weight vector feeds 8 rows as before, each broadcast 3 vectors instead of 2, so a k step's
// 11 loads cover 24 FMAs instead of 10 covering 16. Only the GEMM ops (the 1x1 convolutions, the
// head, the classifier, the fused expand + depthwise step) are instantiated for it; which tile a
// CPU gets: cpu/avx512/kernels.cc.
struct Avx512Gemm8x3 : Avx512 {
  static constexpr int kGemmNv = 3;
};

}  // namespace simd
}  // namespace effnet
