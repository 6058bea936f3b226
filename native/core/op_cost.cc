#include "core/op_cost.h"

namespace effnet {

OpCost op_cost(const CompiledOp& op, int32_t batch) {
  const ValueDesc& in = op.in;
  const ValueDesc& out = op.out;
  double macs = 0;  // per image
  double activations = double(in.size()) + double(out.size());  // floats per image
  switch (op.desc.kind) {
    case OpKind::conv_bn_act: macs = double(out.size()) * in.c * op.desc.k * op.desc.k; break;
    case OpKind::dwconv_bn_act:
      macs = double(out.size()) * op.desc.k * op.desc.k;
      if (op.desc.sums >= 0) activations += out.c;
      break;
    case OpKind::pwconv_bn_act:
      macs = double(in.h) * in.w * in.c * out.c;
      if (op.desc.gate >= 0) activations += in.c;
      if (op.desc.residual >= 0) activations += double(out.size());
      break;
    case OpKind::head_pool:
      macs = double(in.h) * in.w * in.c * out.c;
      if (op.desc.map >= 0) activations += double(in.h) * in.w * out.c;
      break;
    case OpKind::linear: macs = double(in.c) * out.c; break;
    case OpKind::se_gate: macs = 2.0 * in.c * op.packed.hidden; break;
  }
  const PackedWeights& w = op.packed;
  const double weights = double(w.w.size() + w.b.size() + w.w2.size() + w.b2.size());
  const double flops = 2.0 * macs * batch;
  return {flops, (activations * batch + weights) * sizeof(float), runs_as_gemm(op.desc.kind) ? flops : 0.0};
}

OpCost fused_expand_dw_cost(const CompiledOp& expand, const CompiledOp& dw, int32_t batch) {
  const OpCost a = op_cost(expand, batch);
  const OpCost b = op_cost(dw, batch);
  const double expanded = 2.0 * double(expand.out.size()) * batch * sizeof(float);
  return {a.flops + b.flops, a.bytes + b.bytes - expanded, a.gemm_flops + b.gemm_flops};
}

}  // namespace effnet
