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
#define EFFNET_SIMD_V_GEMM Avx512Gemm8x3
#include "cpu/simd/level_ops.h"
#undef EFFNET_SIMD_V_GEMM
#undef EFFNET_SIMD_V
#pragma GCC pop_options

#include "cpu/simd/kernel_table.h"  // after the region: it only takes the addresses above

namespace {

// Which GEMM register tile the avx512 level runs here; results do not depend on it (every output
// is one tile's sum, in K order, from its bias). Intel Xeons get 8 x 3: on a family 6 model 207
// part (Emerald Rapids class) the 1x1 convolutions after B0's 56x56 stage ran 10-25 % faster
// with it, whole B0 runs 5-6 % (bench/RESULTS.md, "an Intel Xeon"): there, an 8 x 2 tile's
// k step (2 weight vectors from L2, 8 broadcasts, 16 FMAs) waits on its loads. AMD's Zen 4 and
// Zen 5 keep 8 x 2 (measured there against 12 x 2; 8 x 3 not yet measured on them).
bool avx512_gemm_8x3_here() { return __builtin_cpu_is("intel"); }

}  // namespace

namespace effnet {

const CpuKernels& avx512_kernels() {
  static const CpuKernels k = avx512_gemm_8x3_here()
                                  ? simd::kernel_table<simd::Avx512, simd::Avx512Gemm8x3>("avx512")
                                  : simd::kernel_table<simd::Avx512>("avx512");
  return k;
}

const CpuKernels& avx512_gemm_8x2_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Avx512>("avx512-8x2");
  return k;
}

const CpuKernels& avx512_gemm_8x3_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Avx512, simd::Avx512Gemm8x3>("avx512-8x3");
  return k;
}

}  // namespace effnet

#endif  // defined(__x86_64__) || defined(__i386__)
