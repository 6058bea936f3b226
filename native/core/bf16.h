// bfloat16 (the top 16 bits of an fp32) in plain C++: the scalar twin of the AVX512_BF16
// conversion (vcvtne2ps2bf16) the bf16 kernels use, so packing and the tests round exactly as the
// hardware does: to nearest, ties to even; denormal inputs become a zero of the same sign (the
// instruction ignores MXCSR and always treats them so); NaN stays a (quiet) NaN.
#pragma once
#include <cstdint>
#include <cstring>

namespace effnet {

inline uint16_t bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7f800000u) == 0) return uint16_t((u >> 16) & 0x8000u);            // zero or denormal
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x0040u);  // NaN, made quiet
  u += 0x7fffu + ((u >> 16) & 1u);                                              // ties to even
  return uint16_t(u >> 16);
}

inline float bf16_value(uint16_t b) {
  const uint32_t u = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline float round_bf16(float f) { return bf16_value(bf16_bits(f)); }

}  // namespace effnet
