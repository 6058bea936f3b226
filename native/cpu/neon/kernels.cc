// The "neon" CPU level (AArch64 only): every op's SIMD template (cpu/simd/level_ops.h) instantiated
// for 4-float NEON vectors (cpu/simd/vec_neon.h). NEON is part of the AArch64 base ISA, so there is
// no target region (cpu/simd/simd_target.h explains why the x86 levels need one): the level always
// runs on aarch64 and the whole file compiles to nothing elsewhere, so native/sources.json stays
// one list for every platform.
#if defined(__aarch64__)
#include "cpu/simd/level_prelude.h"

#include "cpu/simd/vec_neon.h"
#define EFFNET_SIMD_V Neon
#include "cpu/simd/level_ops.h"
#undef EFFNET_SIMD_V

#include "cpu/simd/kernel_table.h"

namespace effnet {

const CpuKernels& neon_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Neon>("neon");
  return k;
}

}  // namespace effnet

#endif  // defined(__aarch64__)
