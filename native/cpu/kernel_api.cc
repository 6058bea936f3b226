#include "cpu/kernel_api.h"

#include <algorithm>

namespace effnet {

AlignedBuffer copy_floats(const std::vector<float>& v) {
  AlignedBuffer b(int64_t(v.size()));
  std::copy(v.begin(), v.end(), b.data());
  return b;
}

// The reference kernels read the plan's torch layouts as they are.
void pack_copy(const OpDesc& op, const ValueDesc& in, const ValueDesc&, PackedWeights* packed) {
  packed->w = copy_floats(op.weight);
  packed->b = copy_floats(op.bias);
  packed->w2 = copy_floats(op.weight2);
  packed->b2 = copy_floats(op.bias2);
  if (op.kind == OpKind::se_gate) packed->hidden = int32_t(int64_t(op.weight.size()) / in.c);
}

int64_t no_scratch(const OpDesc&, const ValueDesc&, const ValueDesc&, const PackedWeights&, int32_t) { return 0; }

}  // namespace effnet
