// The scalar reference kernels: the oracle every other kernel (generic, SIMD, CUDA) is compared
// with. Straightforward loops over the documented formulas, torch weight layouts as given in the
// plan (pack_copy), accumulation in double, activations through libm expf. Single-threaded and
// never optimised: clarity is the point.
#pragma once
#include "cpu/kernel_api.h"

namespace effnet {

void reference_conv_bn_act(const KernelArgs& a);
void reference_dwconv_bn_act(const KernelArgs& a);
void reference_se_gate(const KernelArgs& a);
int64_t reference_se_gate_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out,
                                  const PackedWeights& packed, int32_t batch);
void reference_pwconv_bn_act(const KernelArgs& a);
void reference_head_pool(const KernelArgs& a);
void reference_linear(const KernelArgs& a);

}  // namespace effnet
