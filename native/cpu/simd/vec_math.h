// Vector activations shared by the SIMD kernels: e^-x, sigmoid and swish over any vector type V.
// Cephes-style exp: -x = n ln2 + r with |r| <= ln2/2 (n rounded to nearest, ln2 split in two so
// n * ln2_hi is exact), e^r = 1 + r + r^2 P(r), times 2^n (V::ldexp: vscalefps on AVX-512). P is a
// degree-4 minimax fit of (e^r - 1 - r) / r^2 on [-ln2/2, ln2/2] (refit for 5 coefficients; the
// 6-coefficient Cephes P is no more accurate in fp32): max relative error 8.2e-8 over [-87, 88]
// (vs 8.1e-8 for Cephes' expf polynomial), inputs clamped there. Working on t = x + n ln2 = -r
// (P's odd coefficients negated) saves the negation of x. ~16 vector ops for a swish. sigmoid and
// swish use a true division (no rcp approximation) so they stay within ~2e-7 of the libm reference.
#pragma once

#include "cpu/simd/simd_target.h"

namespace effnet {
namespace simd {

template <class V>
EFFNET_SIMD_INLINE typename V::T exp_neg(typename V::T x) {
  using T = typename V::T;
  x = V::min(V::max(x, V::set1(-88.0f)), V::set1(87.0f));
  const T n = V::round(V::mul(x, V::set1(-1.44269504088896341f)));
  T t = V::fmadd(n, V::set1(0.693359375f), x);  // t = x + n ln2 = -r
  t = V::fmadd(n, V::set1(-2.12194440e-4f), t);
  T p = V::set1(1.3814546400681138e-3f);  // P(-t): odd coefficients negated
  p = V::fmadd(p, t, V::set1(-8.36869701743126e-3f));
  p = V::fmadd(p, t, V::set1(4.166838899254799e-2f));
  p = V::fmadd(p, t, V::set1(-1.666652113199234e-1f));
  p = V::fmadd(p, t, V::set1(4.999999403953552e-1f));
  p = V::fmadd(V::mul(p, t), t, V::sub(V::set1(1.0f), t));  // e^r = 1 - t + t^2 P(-t)
  return V::ldexp(p, n);
}

template <class V>
EFFNET_SIMD_INLINE typename V::T sigmoid(typename V::T x) {
  const typename V::T one = V::set1(1.0f);
  return V::div(one, V::add(one, exp_neg<V>(x)));
}

// x * sigmoid(x) = x / (1 + e^-x): one division instead of a division and a multiply.
template <class V>
EFFNET_SIMD_INLINE typename V::T swish(typename V::T x) {
  return V::div(x, V::add(V::set1(1.0f), exp_neg<V>(x)));
}

}  // namespace simd
}  // namespace effnet
