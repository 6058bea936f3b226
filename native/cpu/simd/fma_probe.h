// The FMA throughput probe of a SIMD level, what `efficientnet bench --peak` measures the
// machine's arithmetic peak with (so every figure can be quoted as a fraction of it). A loop of
// kChains independent chains of fused multiply-adds: a core issues up to 2 FMAs per cycle with a
// latency of about 4, so 8 chains in flight cover it and 12 leave margin for wider or slower
// parts. Included inside a level's target region (cpu/simd/simd_target.h), like the ops.
#pragma once
#include <cstdint>

namespace effnet {
namespace simd {

constexpr int kFmaChains = 12;

// Runs `iters` rounds of kFmaChains vector FMAs (iters * kFmaChains * 2 * V::W flops) and returns
// a value that depends on every chain, so that none of the work can be dropped.
template <class V>
float fma_burst(int64_t iters) {
  using T = typename V::T;
  T acc[kFmaChains];
  for (int c = 0; c < kFmaChains; ++c) acc[c] = V::set1(1.0f + 1e-3f * float(c));
  const T mul = V::set1(0.99999994f);
  const T add = V::set1(1e-7f);
  for (int64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kFmaChains; ++c) acc[c] = V::fmadd(acc[c], mul, add);
  }
  T sum = acc[0];
  for (int c = 1; c < kFmaChains; ++c) sum = V::add(sum, acc[c]);
  float lanes[V::W];
  V::store(lanes, sum);
  return lanes[0];
}

}  // namespace simd
}  // namespace effnet
