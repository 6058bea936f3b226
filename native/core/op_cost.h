// What one op costs per run of a batch, for profiles: its arithmetic and the least memory traffic
// it needs. FLOPs count a multiply-add as two (the paper's and torchvision's convention halves this:
// they count multiply-adds). Bytes are the op's activations read and written and its packed
// weights, each once: what the op must move even with perfect caching, so GB/s against the
// measured bandwidth says how close a memory-bound op is to its limit.
#pragma once
#include <cstdint>

#include "core/compiled_op.h"

namespace effnet {

struct OpCost {
  double flops = 0;
  double bytes = 0;
  // The part of `flops` done by the packed GEMM (the 1x1 ops, the expand of a fused step): what
  // precision bf16 computes with bf16 pair dots, so a roofline takes it at that peak.
  double gemm_flops = 0;
};

OpCost op_cost(const CompiledOp& op, int32_t batch);

// An expand 1x1 conv and the depthwise conv that reads its output, run as one step
// (cpu/expand_dw.h): their sum, less the expanded tensor's write and read, which stay in cache.
OpCost fused_expand_dw_cost(const CompiledOp& expand, const CompiledOp& dw, int32_t batch);

}  // namespace effnet
