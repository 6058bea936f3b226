#include "test/simd_math_test.h"

#include "cpu/levels.h"

namespace effnet {

#if defined(__x86_64__) || defined(__i386__)  // the x86 sweeps are compiled on x86 only
SimdMathError simd_math_errors_avx2();    // simd_math_test_avx2.cc
SimdMathError simd_math_errors_avx512();  // simd_math_test_avx512.cc
#endif

std::vector<SimdMathError> simd_math_errors() {
  std::vector<SimdMathError> out;
#if defined(__x86_64__) || defined(__i386__)
  for (const CpuKernels* k : runnable_levels()) {  // only levels whose CPU features are present
    const std::string level = k->level;
    if (level == "avx2") out.push_back(simd_math_errors_avx2());
    if (level == "avx512") out.push_back(simd_math_errors_avx512());
  }
#endif
  return out;
}

}  // namespace effnet
