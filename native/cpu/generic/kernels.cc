// The "generic" level's table: the portable kernels of cpu/generic/kernels.h.
#include "cpu/generic/kernels.h"
#include "cpu/levels.h"

namespace effnet {

const CpuKernels& generic_kernels() {
  static const CpuKernels k = {
      "generic",
      {
          {"generic", generic_conv_bn_act_pack, no_scratch, generic_conv_bn_act},
          {"generic", generic_dwconv_bn_act_pack, generic_dwconv_bn_act_scratch, generic_dwconv_bn_act},
          {"generic", generic_se_gate_pack, generic_se_gate_scratch, generic_se_gate},
          {"generic", generic_gemm_pack, no_scratch, generic_pwconv_bn_act},
          {"generic", generic_gemm_pack, generic_head_pool_scratch, generic_head_pool},
          {"generic", generic_gemm_pack, no_scratch, generic_linear},
      },
      nullptr};  // the fused expand + depthwise step is SIMD only
  return k;
}

}  // namespace effnet
