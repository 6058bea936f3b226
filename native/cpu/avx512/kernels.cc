// The "avx512" CPU level: every op's SIMD template (cpu/simd/<op>.h) instantiated for AVX-512 (F, BW, VL, DQ).
// How the target region works and why only templates live inside it: cpu/simd/simd_target.h.
// Everything that is not vector code is included before the region.
// x86 only: elsewhere the file compiles to nothing, so native/sources.json stays one list for every
// platform (the level is then never runnable: cpu/levels.cc).
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include <cstdint>

#include "core/thread_pool.h"
#include "cpu/kernel_api.h"
#include "cpu/levels.h"
#include "cpu/simd/packing.h"
#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")
#include "cpu/simd/vec_avx512.h"
#include "cpu/simd/vec_math.h"
#include "cpu/simd/gemm.h"
#include "cpu/simd/conv_bn_act.h"
#include "cpu/simd/dwconv_bn_act.h"
#include "cpu/simd/se_gate.h"
#include "cpu/simd/pwconv_bn_act.h"
#include "cpu/simd/head_pool.h"
#include "cpu/simd/linear.h"

namespace effnet {
namespace simd {
// Instantiate inside the region (the table below only names them).
template void conv_bn_act<Avx512>(const KernelArgs&);
template void dwconv_bn_act<Avx512>(const KernelArgs&);
template void se_gate<Avx512>(const KernelArgs&);
template void pwconv_bn_act<Avx512>(const KernelArgs&);
template void head_pool<Avx512>(const KernelArgs&);
template void linear<Avx512>(const KernelArgs&);
}  // namespace simd
}  // namespace effnet
#pragma GCC pop_options

#include "cpu/simd/kernel_table.h"  // after the region: it only takes the addresses above

namespace effnet {

const CpuKernels& avx512_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Avx512>("avx512");
  return k;
}

}  // namespace effnet

#endif  // defined(__x86_64__) || defined(__i386__)
