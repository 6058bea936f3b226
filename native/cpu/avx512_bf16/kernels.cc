// The "avx512-bf16" CPU kernels (precision 'bf16'): the avx512 level's op templates instantiated
// for Avx512Bf16, whose GEMM (the 1x1 convolutions) multiplies bf16 pairs (cpu/simd/gemm_bf16.h).
// Chosen only through the precision, never as a level of its own (cpu/levels.cc); the target
// region is avx512's plus AVX512_BF16 (how the region works: cpu/simd/simd_target.h). x86 only.
#if defined(__x86_64__) || defined(__i386__)
#include "cpu/simd/level_prelude.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma")
#include "cpu/simd/gemm_bf16.h"
#define EFFNET_SIMD_V Avx512Bf16
#include "cpu/simd/level_ops.h"
#undef EFFNET_SIMD_V
#pragma GCC pop_options

#include "cpu/simd/kernel_table.h"  // after the region: it only takes the addresses above

namespace effnet {

const CpuKernels& avx512_bf16_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Avx512Bf16>("avx512-bf16");
  return k;
}

}  // namespace effnet

#endif  // defined(__x86_64__) || defined(__i386__)
