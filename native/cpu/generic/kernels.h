// The "generic" CPU level: portable C++17 kernels written so that GCC auto-vectorises their inner
// loops (contiguous, __restrict, no reductions across lanes), with weights packed once at compile
// into the layout each loop wants, and the fusions listed in docs/ARCHITECTURE.md (SE gate applied while reading A,
// bias + swish + residual in the epilogue, SE sums computed in the depthwise pass, average pooling
// fused into the head conv). Work is split over the core's thread pool. One file per op.
#pragma once
#include "cpu/kernel_api.h"

namespace effnet {

void generic_conv_bn_act_pack(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p);
void generic_conv_bn_act(const KernelArgs& a);

void generic_dwconv_bn_act_pack(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p);
int64_t generic_dwconv_bn_act_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out,
                                      const PackedWeights& p, int32_t batch);
void generic_dwconv_bn_act(const KernelArgs& a);

void generic_se_gate_pack(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p);
int64_t generic_se_gate_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                                int32_t batch);
void generic_se_gate(const KernelArgs& a);

// pwconv_bn_act, head_pool and linear share the packed GEMM layout of cpu/generic/gemm.h.
void generic_gemm_pack(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p);
void generic_pwconv_bn_act(const KernelArgs& a);
int64_t generic_head_pool_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out,
                                  const PackedWeights& p, int32_t batch);
void generic_head_pool(const KernelArgs& a);
void generic_linear(const KernelArgs& a);

}  // namespace effnet
