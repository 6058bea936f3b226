// The "reference" level's table: the scalar oracle of every op (cpu/reference/reference.h), on the
// plan's torch layouts as given (pack_copy). No fused steps: the oracle runs the plan op by op.
#include "cpu/levels.h"
#include "cpu/reference/reference.h"

namespace effnet {

const CpuKernels& reference_kernels() {
  static const CpuKernels k = {"reference",
                               {
                                   {"reference", pack_copy, no_scratch, reference_conv_bn_act},
                                   {"reference", pack_copy, no_scratch, reference_dwconv_bn_act},
                                   {"reference", pack_copy, reference_se_gate_scratch, reference_se_gate},
                                   {"reference", pack_copy, no_scratch, reference_pwconv_bn_act},
                                   {"reference", pack_copy, no_scratch, reference_head_pool},
                                   {"reference", pack_copy, no_scratch, reference_linear},
                               },
                               nullptr};
  return k;
}

}  // namespace effnet
