// linear, SIMD (the classifier), written once over V.
//   y[n,co] = b[co] + sum_ci x[n,ci] * w[co,ci]
// The packed GEMM (cpu/simd/gemm.h) over batch rows with a plain store epilogue; at batch 1 it is
// a matrix-vector product bound by reading the weights once, split over threads by panel chunks.
#pragma once
#include "cpu/simd/pwconv_bn_act.h"

namespace effnet {
namespace simd {

template <class V>
void linear(const KernelArgs& a) {
  GemmArgs g = gemm_args_of<V>(a);
  gemm_store<V>(a, g, a.batch, false);
}

}  // namespace simd
}  // namespace effnet
