// The "avx2" CPU level: every op's SIMD template (cpu/simd/level_ops.h) instantiated for AVX2 + FMA.
// How the target region works and why only templates live inside it: cpu/simd/simd_target.h.
// x86 only: elsewhere the file compiles to nothing, so native/sources.json stays one list for every
// platform (the level is then never runnable: cpu/levels.cc).
#if defined(__x86_64__) || defined(__i386__)
#include "cpu/simd/level_prelude.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "cpu/simd/vec_avx2.h"
#define EFFNET_SIMD_V Avx2
#include "cpu/simd/level_ops.h"
#undef EFFNET_SIMD_V
#pragma GCC pop_options

#include "cpu/simd/kernel_table.h"  // after the region: it only takes the addresses above

namespace effnet {

const CpuKernels& avx2_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Avx2>("avx2");
  return k;
}

}  // namespace effnet

#endif  // defined(__x86_64__) || defined(__i386__)
