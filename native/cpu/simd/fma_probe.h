// The arithmetic throughput probe of a SIMD level, what `efficientnet bench --peak` measures the
// machine's peak with (so every figure can be quoted as a fraction of it): a loop of kChains
// independent chains of the level's GEMM step (GemmDot<V>::madd: an fp32 FMA on the fp32 levels,
// a bf16 pair dot, vdpbf16ps, on the bf16 kernels). A core issues up to 2 per cycle with a latency
// of about 4, so 8 chains in flight cover it and 12 leave margin for wider or slower parts.
// Included inside a level's target region (cpu/simd/simd_target.h), like the ops.
#pragma once
#include <cstdint>
#include <cstring>

#include "cpu/simd/gemm.h"

namespace effnet {
namespace simd {

constexpr int kFmaChains = 12;

// Runs `iters` rounds of kFmaChains steps (iters * kFmaChains * 2 * kStep * V::W flops) and returns
// a value that depends on every chain, so that none of the work can be dropped. The operands come
// from memory (a few ones: 1.0 in bf16, ~1.0039 in fp32; the sums stay finite for any run length
// here), so nothing folds.
template <class V>
float fma_burst(int64_t iters) {
  using T = typename V::T;
  using Dot = GemmDot<V>;
  typename Dot::A a_src[Dot::kStep];
  alignas(64) float b_src[Dot::kStep * V::W];
  const uint32_t ones = 0x3f803f80u;  // a pair of bf16 1.0, or the fp32 1.0039
  for (auto& a : a_src) std::memcpy(&a, &ones, sizeof a);
  for (float& b : b_src) std::memcpy(&b, &ones, sizeof b);
  const typename Dot::AOp a = Dot::a_at(a_src, 0);
  const typename Dot::BOp b = Dot::b_at(b_src, 0);
  T acc[kFmaChains];
  for (int c = 0; c < kFmaChains; ++c) acc[c] = V::set1(1.0f + 1e-3f * float(c));
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int c = 0; c < kFmaChains; ++c) acc[c] = Dot::madd(a, b, acc[c]);
  }
  T sum = acc[0];
  for (int c = 1; c < kFmaChains; ++c) sum = V::add(sum, acc[c]);
  float lanes[V::W];
  V::store(lanes, sum);
  return lanes[0];
}

}  // namespace simd
}  // namespace effnet
