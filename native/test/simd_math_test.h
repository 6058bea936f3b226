// Accuracy of the SIMD levels' activations (cpu/simd/vec_math.h) against double-precision libm,
// for effnet_core_test: e^-x, sigmoid and swish over [-87, 87] (the clamp range of exp), at every
// SIMD level this CPU runs. The op table checks whole kernels; this pins the activation itself to
// within 1e-6 relative, so a weaker polynomial cannot hide behind the op tolerances.
#pragma once
#include <string>
#include <vector>

namespace effnet {

struct SimdMathError {
  std::string level;
  double exp_neg = 0, sigmoid = 0, swish = 0;  // max relative error
};

std::vector<SimdMathError> simd_math_errors();

}  // namespace effnet
