// The AArch64 NEON vector type of the SIMD kernels: the same interface as cpu/simd/vec_avx2.h and
// cpu/simd/vec_avx512.h with 4 floats per register (32 registers). NEON is part of the AArch64
// base ISA, so unlike the x86 levels no target region is needed; include it only from
// cpu/neon/kernels.cc (guarded by __aarch64__).
//
// Tails: NEON has no masked loads or stores, so a Mask is the count of leading lanes and a tail goes
// through a 4-float stack buffer (zeroed past the count): it never reads or writes memory past the
// count, like vmaskmovps / AVX-512 masks. Tails are rare (channel counts are mostly multiples of 4).
// min/max are vminq/vmaxq, which return NaN when either input is NaN (x86 minps returns its second
// operand), so a NaN activation input stays NaN, as in the reference kernels.
#pragma once
#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#include "cpu/simd/simd_target.h"

namespace effnet {
namespace simd {

struct Neon {
  using T = float32x4_t;
  struct Mask {
    int n;  // leading lanes, 0..W
  };
  static constexpr int W = 4;
  // GEMM register tile: 8 rows x 2 vectors (8 x 8 floats) = 16 accumulators + 2 weight vectors + the
  // ld1r broadcasts of A, of the 32 q registers; per k step 10 loads feed 16 FMAs, so the FMA pipes
  // stay the bound on 2-load-port cores. gemm.h fixes NV = 2 and kGemmMaxMr = 8, so this is the
  // largest tile it takes.
  static constexpr int kGemmMr = 8;
  static constexpr int kGemmNv = 2;
  // dwconv_bn_act: channel blocks of 4 vectors (16 channels: one 64-byte line), interior pixels 4 at
  // a time: 16 accumulators, leaving registers for the weight vector and the input loads.
  static constexpr int kDwNv = 4;
  static constexpr int kDwPx = 4;
  // ... one output row per block (kDwRows, kDwRowsS2 = 1): row blocks are measured on x86 only.
  static constexpr int kDwRows = 1;
  static constexpr int kDwRowsS2 = 1;
  // conv_bn_act: 4 vectors x 4 pixels = 16 accumulators; per (tap, input channel) 4 weight loads and
  // 4 broadcasts feed 16 FMAs.
  static constexpr int kConvNv = 4;
  static constexpr int kConvMaxNv = 4;  // conv_bn_act's widest block (kConvNv already)
  static constexpr int kConvPx = 4;

  static constexpr bool kScalefExp = false;  // ldexp saturates for any n (simd::exp_neg)
  EFFNET_SIMD_INLINE static T load(const float* p) { return vld1q_f32(p); }
  EFFNET_SIMD_INLINE static void store(float* p, T v) { vst1q_f32(p, v); }
  // The first n lanes (0 <= n <= W; larger n means all of them, as on the other levels).
  EFFNET_SIMD_INLINE static Mask mask(int64_t n) { return Mask{n < W ? int(n) : W}; }
  EFFNET_SIMD_INLINE static T load(const float* p, Mask m) {
    float lanes[W] = {0.0f, 0.0f, 0.0f, 0.0f};
    std::memcpy(lanes, p, sizeof(float) * size_t(m.n));
    return vld1q_f32(lanes);
  }
  EFFNET_SIMD_INLINE static void store(float* p, T v, Mask m) {
    float lanes[W];
    vst1q_f32(lanes, v);
    std::memcpy(p, lanes, sizeof(float) * size_t(m.n));
  }
  EFFNET_SIMD_INLINE static T set1(float f) { return vdupq_n_f32(f); }
  EFFNET_SIMD_INLINE static T zero() { return vdupq_n_f32(0.0f); }
  EFFNET_SIMD_INLINE static T add(T a, T b) { return vaddq_f32(a, b); }
  EFFNET_SIMD_INLINE static T sub(T a, T b) { return vsubq_f32(a, b); }
  EFFNET_SIMD_INLINE static T mul(T a, T b) { return vmulq_f32(a, b); }
  EFFNET_SIMD_INLINE static T div(T a, T b) { return vdivq_f32(a, b); }
  EFFNET_SIMD_INLINE static T fmadd(T a, T b, T c) { return vfmaq_f32(c, a, b); }   // a * b + c, fused
  EFFNET_SIMD_INLINE static T fnmadd(T a, T b, T c) { return vfmsq_f32(c, a, b); }  // c - a * b, fused
  EFFNET_SIMD_INLINE static T min(T a, T b) { return vminq_f32(a, b); }
  EFFNET_SIMD_INLINE static T max(T a, T b) { return vmaxq_f32(a, b); }
  // Round to the nearest integer, ties to even (frintn), as _MM_FROUND_TO_NEAREST_INT.
  EFFNET_SIMD_INLINE static T round(T x) { return vrndnq_f32(x); }
  // p * 2^n for integral n in [-126, 127] (simd::exp_neg clamps its input so n stays there): 2^n is
  // built in the exponent bits, as on AVX2.
  EFFNET_SIMD_INLINE static T ldexp(T p, T n) {
    const int32x4_t e = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
    return vmulq_f32(p, vreinterpretq_f32_s32(vshlq_n_s32(e, 23)));
  }
};

}  // namespace simd
}  // namespace effnet
