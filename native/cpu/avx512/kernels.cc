// The "avx512" CPU level: every op's SIMD template (cpu/simd/level_ops.h) instantiated for AVX-512
// (F, BW, VL, DQ). How the target region works and why only templates live inside it:
// cpu/simd/simd_target.h. x86 only: elsewhere the file compiles to nothing, so native/sources.json
// stays one list for every platform (the level is then never runnable: cpu/levels.cc).
#if defined(__x86_64__) || defined(__i386__)
#include "cpu/simd/level_prelude.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")
#include "cpu/simd/vec_avx512.h"
#define EFFNET_SIMD_V Avx512
#include "cpu/simd/level_ops.h"
#undef EFFNET_SIMD_V
#pragma GCC pop_options

#include "cpu/simd/kernel_table.h"  // after the region: it only takes the addresses above

namespace effnet {

const CpuKernels& avx512_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Avx512>("avx512");
  return k;
}

}  // namespace effnet

#endif  // defined(__x86_64__) || defined(__i386__)
