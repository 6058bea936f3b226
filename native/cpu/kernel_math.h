// The math every CPU kernel shares, in one place: output-size arithmetic, and the activations in
// two flavours. Reference kernels use the *_ref functions (libm expf, the oracle); fast kernels use
// the *_fast ones, which are written so GCC can vectorise them without -ffast-math (libm's expf
// only gets a SIMD variant under -ffast-math, which we don't use because it breaks IEEE elsewhere).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "effnet/plan.h"

namespace effnet {

// Output length of a conv along one axis: (in + pad_a + pad_b - k) / stride + 1, or 0 when the
// padded input is shorter than the kernel. TF "SAME" vs symmetric padding is decided in TS; here the
// four explicit pads are simply honoured.
inline int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad_a, int64_t pad_b) {
  const int64_t padded = in + pad_a + pad_b;
  if (stride <= 0 || padded < k) return 0;
  return (padded - k) / stride + 1;
}

inline float sigmoid_ref(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline float swish_ref(float x) { return x * sigmoid_ref(x); }

// exp(x) for x in float range, Cephes-style: x = n ln2 + r with |r| <= ln2/2 (n by the round-to-
// nearest magic constant, which vectorises where floorf does not), e^r by a degree-6 polynomial,
// 2^n through the exponent bits. Relative error < 2e-7 over [-87, 88]; inputs are clamped there,
// so exp_fast(-200) is ~1.6e-38 instead of 0 (harmless where it is used: sigmoid, swish).
inline float exp_fast(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float kMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = (x * 1.44269504088896341f + kMagic) - kMagic;
  float r = x - n * 0.693359375f;  // ln2 split in two for an exact first product
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

inline float sigmoid_fast(float x) { return 1.0f / (1.0f + exp_fast(-x)); }
inline float swish_fast(float x) { return x * sigmoid_fast(x); }

inline float act_ref(Act act, float v) { return act == Act::swish ? swish_ref(v) : v; }

}  // namespace effnet
