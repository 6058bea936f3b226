// The "neon" CPU level (AArch64 only): every op's SIMD template (cpu/simd/<op>.h) instantiated for
// 4-float NEON vectors (cpu/simd/vec_neon.h). NEON is part of the AArch64 base ISA, so there is no
// target region (cpu/simd/simd_target.h explains why the x86 levels need one): the level always
// runs on aarch64 and the whole file compiles to nothing elsewhere, so native/sources.json stays
// one list for every platform.
#if defined(__aarch64__)

#include <cstdint>

#include "core/thread_pool.h"
#include "cpu/kernel_api.h"
#include "cpu/levels.h"
#include "cpu/simd/packing.h"
#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"

#include "cpu/simd/vec_neon.h"
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
// Instantiated here, next to the other levels' explicit instantiations, so every level's op set
// is spelled out the same way.
template void conv_bn_act<Neon>(const KernelArgs&);
template void dwconv_bn_act<Neon>(const KernelArgs&);
template void se_gate<Neon>(const KernelArgs&);
template void pwconv_bn_act<Neon>(const KernelArgs&);
template void head_pool<Neon>(const KernelArgs&);
template void linear<Neon>(const KernelArgs&);
}  // namespace simd
}  // namespace effnet

#include "cpu/simd/kernel_table.h"

namespace effnet {

const CpuKernels& neon_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Neon>("neon");
  return k;
}

}  // namespace effnet

#endif  // defined(__aarch64__)
