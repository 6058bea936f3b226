// The sweep of simd_math_test, written once over V; included inside each level's target region
// (simd_math_test_<level>.cc), like cpu/simd/<op>.h.
#pragma once
#include <algorithm>
#include <cmath>

#include "cpu/simd/simd_target.h"
#include "cpu/simd/vec_math.h"
#include "test/simd_math_test.h"

namespace effnet {
namespace simd {

// x over [-87, 87) in steps of 1.3e-5 (~13M points), V::W at a time.
template <class V>
SimdMathError math_sweep(const char* level) {
  SimdMathError r;
  r.level = level;
  alignas(64) float in[V::W], e[V::W], s[V::W], w[V::W];
  for (double x0 = -87.0; x0 + 1.3e-5 * V::W < 87.0; x0 += 1.3e-5 * V::W) {
    for (int i = 0; i < V::W; ++i) in[i] = float(x0 + i * 1.3e-5);
    V::store(e, exp_neg<V>(V::load(in)));
    V::store(s, sigmoid<V>(V::load(in)));
    V::store(w, swish<V>(V::load(in)));
    for (int i = 0; i < V::W; ++i) {
      const double x = in[i], ex = std::exp(-x), sg = 1.0 / (1.0 + ex), sw = x * sg;
      r.exp_neg = std::max(r.exp_neg, std::fabs(e[i] / ex - 1.0));
      r.sigmoid = std::max(r.sigmoid, std::fabs(s[i] / sg - 1.0));
      if (sw != 0.0) r.swish = std::max(r.swish, std::fabs(w[i] / sw - 1.0));
    }
  }
  return r;
}

}  // namespace simd
}  // namespace effnet
