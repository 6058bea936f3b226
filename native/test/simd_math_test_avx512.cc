// simd_math_test for the avx512 level (its own translation unit: one target region per TU).
// x86 only: elsewhere the file compiles to nothing (simd_math_test.cc then never calls it).
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "test/simd_math_test.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")
#include "cpu/simd/vec_avx512.h"
#include "test/simd_math_sweep.h"
namespace effnet {
template SimdMathError simd::math_sweep<simd::Avx512>(const char*);
}  // namespace effnet
#pragma GCC pop_options

namespace effnet {
SimdMathError simd_math_errors_avx512() { return simd::math_sweep<simd::Avx512>("avx512"); }
}  // namespace effnet

#endif  // defined(__x86_64__) || defined(__i386__)
