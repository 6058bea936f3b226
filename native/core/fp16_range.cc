#include "core/fp16_range.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "core/bf16.h"
#include "cpu/kernel_api.h"
#include "effnet/error.h"

namespace effnet {
namespace {

// The ops whose weight the fp16 CUDA backend converts to fp16 (cuda::pack_gemm_weights).
bool stored_as_fp16(OpKind kind) { return kind == OpKind::pwconv_bn_act || kind == OpKind::head_pool; }

std::string where(size_t index, const OpDesc& op, size_t row, size_t col, int32_t cin) {
  return "op " + std::to_string(index) + " (" + op_name(op.kind) + ") weight[" + std::to_string(row) + "][" +
         std::to_string(col) + "] of [" + std::to_string(op.weight.size() / size_t(cin)) + "][" +
         std::to_string(cin) + "]";
}

std::string number(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.7g", double(v));
  return buf;
}

// Refuses (Error kErrInvalidOption) the first weight of a `selected` op that `holds` rejects, naming
// the op, the weight and its value: "precision <name> cannot hold ... (<why>); use fp32".
template <class Selected, class Holds>
void check_weights(const Plan& plan, const char* name, Selected selected, Holds holds, const char* why) {
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    const OpDesc& op = plan.ops[i];
    if (!selected(op.kind)) continue;
    const int32_t cin = plan.values[size_t(op.x)].c;  // weight is [cout][cin]
    for (size_t j = 0; j < op.weight.size(); ++j) {
      if (!holds(op.weight[j])) {
        throw Error(kErrInvalidOption, std::string("precision ") + name + " cannot hold " +
                                           where(i, op, j / size_t(cin), j % size_t(cin), cin) + " = " +
                                           number(op.weight[j]) + " (" + why + "); use fp32");
      }
    }
  }
}

}  // namespace

void check_fp16_weights(const Plan& plan) {
  check_weights(
      plan, "fp16", stored_as_fp16,
      [](float w) { return std::fabs(w) <= kFp16Max; },  // false for inf and NaN too
      "fp16's largest finite value is 65504");
}

void check_bf16_weights(const Plan& plan) {
  check_weights(
      plan, "bf16", runs_as_gemm, [](float w) { return std::isfinite(round_bf16(w)); },
      "it rounds past bf16's largest finite value, 3.3895314e+38");
}

void check_cuda_precision(const Plan& plan, Precision precision) {
  if (precision == Precision::bf16) {
    throw Error(kErrInvalidOption, "precision 'bf16' runs on CPUs with AVX512_BF16 only; on CUDA use 'fp16' or 'fp32'");
  }
  if (precision == Precision::fp16) check_fp16_weights(plan);
}

}  // namespace effnet
