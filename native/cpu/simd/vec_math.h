// Vector activations shared by the SIMD kernels: e^-x, sigmoid and swish over any vector type V.
// Cephes-style exp: -x = n ln2 + r with |r| <= ln2/2 (n rounded to nearest, ln2 split in two so
// n * ln2_hi is exact), e^r = 1 + r + r^2 P(r), times 2^n (V::ldexp: vscalefps on AVX-512). P is a
// degree-3 minimax fit of (e^r - 1 - r) / r^2 on [-ln2/2, ln2/2] (relative error 1.06e-7 in e^r
// with the fp32 coefficients; measured over [-87, 87] in fp32: exp 1.8e-7, sigmoid 2.5e-7, swish
// 2.5e-7, vs 1.2e-7 / 1.9e-7 / 2.1e-7 with the former degree-4 P; the test bound is 1e-6). Working
// on t = x + n ln2 = -r (P's odd coefficients negated) saves the negation of x, and the whole
// polynomial 1 - t + t^2 P(-t) runs as one Horner chain. Inputs are clamped to [-88, 87]; on
// AVX-512 (V::kScalefExp) only from above, since vscalefps saturates 2^n to inf by itself. ~13
// vector ops for a swish on AVX-512 (16 before). sigmoid and swish use a true division: a rcp14 +
// Newton step measured slower on whole networks (Zen 4), as the divider runs beside the FMA pipes.
#pragma once

#include "cpu/simd/simd_target.h"

namespace effnet {
namespace simd {

template <class V>
EFFNET_SIMD_INLINE typename V::T exp_neg(typename V::T x) {
  using T = typename V::T;
  if constexpr (V::kScalefExp) {
    // vscalefps saturates 2^n itself (to inf / 0), so only huge positive x needs the clamp: there
    // the reduction below loses t entirely and P(t) would overflow to inf, times 2^-n still inf.
    x = V::min(x, V::set1(87.0f));
  } else {
    x = V::min(V::max(x, V::set1(-88.0f)), V::set1(87.0f));
  }
  const T n = V::round(V::mul(x, V::set1(-1.44269504088896341f)));
  T t = V::fmadd(n, V::set1(0.693359375f), x);  // t = x + n ln2 = -r
  t = V::fmadd(n, V::set1(-2.12194440e-4f), t);
  T p = V::set1(-8.3125252276659012e-3f);  // P(-t): odd coefficients negated
  p = V::fmadd(p, t, V::set1(4.1890114545822144e-2f));
  p = V::fmadd(p, t, V::set1(-1.6667114198207855e-1f));
  p = V::fmadd(p, t, V::set1(4.9999231100082397e-1f));
  p = V::fmadd(p, t, V::set1(-1.0f));
  p = V::fmadd(p, t, V::set1(1.0f));  // e^r = 1 - t + t^2 P(-t), Horner all the way
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
