// One op made ready to run on a chosen kernel level: its parameters (raw weights dropped), the
// shapes of x and y, the weights packed for that level's kernel, and the kernel. Shared by Model
// and by the op-case harness, so both execute an op exactly the same way.
#pragma once
#include <cstdint>

#include "cpu/kernel_api.h"
#include "effnet/plan.h"

namespace effnet {

struct CompiledOp {
  OpDesc desc;  // weight/bias/weight2/bias2 left empty
  ValueDesc in, out;
  PackedWeights packed;
  const OpKernel* kernel = nullptr;
};

// Packs plan.ops[index] for `kernels`. The plan must be validated. Throws std::bad_alloc.
CompiledOp compile_op(const Plan& plan, size_t index, const CpuKernels& kernels);

int64_t op_scratch_floats(const CompiledOp& op, int32_t batch);

// The arguments run_op passes to op.kernel (also the fused strategies' inputs).
KernelArgs kernel_args(const CompiledOp& op, float* const* values, int32_t batch, int32_t threads, float* scratch);

// values[id]: the batch-sized buffer of value id; scratch: op_scratch_floats(op, batch) floats;
// ahead: the weights the kernel may prefetch while it runs (core/prefetch_plan.h), or null.
void run_op(const CompiledOp& op, float* const* values, int32_t batch, int32_t threads, float* scratch,
            const Ahead* ahead = nullptr);

}  // namespace effnet
