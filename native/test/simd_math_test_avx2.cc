// simd_math_test for the avx2 level (its own translation unit: one target region per TU).
// x86 only: elsewhere the file compiles to nothing (simd_math_test.cc then never calls it).
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "test/simd_math_test.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "cpu/simd/vec_avx2.h"
#include "test/simd_math_sweep.h"
namespace effnet {
template SimdMathError simd::math_sweep<simd::Avx2>(const char*);
}  // namespace effnet
#pragma GCC pop_options

namespace effnet {
SimdMathError simd_math_errors_avx2() { return simd::math_sweep<simd::Avx2>("avx2"); }
}  // namespace effnet

#endif  // defined(__x86_64__) || defined(__i386__)
