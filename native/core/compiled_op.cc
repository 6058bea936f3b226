#include "core/compiled_op.h"

namespace effnet {

CompiledOp compile_op(const Plan& plan, size_t index, const CpuKernels& kernels) {
  const OpDesc& op = plan.ops[index];
  CompiledOp c;
  c.desc.kind = op.kind;
  c.desc.x = op.x;
  c.desc.y = op.y;
  c.desc.sums = op.sums;
  c.desc.map = op.map;
  c.desc.gate = op.gate;
  c.desc.residual = op.residual;
  c.desc.k = op.k;
  c.desc.stride = op.stride;
  c.desc.pad = op.pad;
  c.desc.act = op.act;
  c.desc.spatial = op.spatial;
  c.in = plan.values[size_t(op.x)];
  c.out = plan.values[size_t(op.y)];
  c.kernel = &kernels[op.kind];
  c.kernel->pack(op, c.in, c.out, &c.packed);
  return c;
}

int64_t op_scratch_floats(const CompiledOp& op, int32_t batch) {
  return op.kernel->scratch_floats(op.desc, op.in, op.out, op.packed, batch);
}

KernelArgs kernel_args(const CompiledOp& op, float* const* values, int32_t batch, int32_t threads, float* scratch) {
  KernelArgs a;
  a.op = &op.desc;
  a.in = op.in;
  a.out = op.out;
  a.weights = &op.packed;
  a.x = values[op.desc.x];
  a.y = values[op.desc.y];
  a.sums = op.desc.sums >= 0 ? values[op.desc.sums] : nullptr;
  a.map = op.desc.map >= 0 ? values[op.desc.map] : nullptr;
  a.gate = op.desc.gate >= 0 ? values[op.desc.gate] : nullptr;
  a.residual = op.desc.residual >= 0 ? values[op.desc.residual] : nullptr;
  a.batch = batch;
  a.threads = threads;
  a.scratch = scratch;
  return a;
}

void run_op(const CompiledOp& op, float* const* values, int32_t batch, int32_t threads, float* scratch,
            const Ahead* ahead) {
  KernelArgs args = kernel_args(op, values, batch, threads, scratch);
  args.ahead = ahead;
  op.kernel->run(args);
}

}  // namespace effnet
