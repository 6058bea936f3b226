// A plan of a real EfficientNet shape (B0-B7, or "tiny" for fast tests) with seeded random weights,
// built in C++ so the native tools and tests run whole networks without Node (the GPU machine has
// none). The shapes come from native/test/arch_table.inc, generated from lib/arch (the one
// definition of the architecture); this file only turns each block into the ops the TS lowering
// makes: [expand] -> dw(+sums) -> se_gate -> project(gated, +residual), then head_pool and linear.
// Weights are scaled by 1/sqrt(fan-in) so activations stay O(1).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "effnet/plan.h"

namespace effnet {

struct SyntheticOptions {
  std::string network = "b0";  // b0..b7 or tiny (synthetic_networks())
  int32_t resolution = 0;      // 0: the network's own
  int32_t classes = 1000;
  uint64_t seed = 1;
  bool tf_same = false;   // TF SAME (asymmetric) padding instead of symmetric
  bool head_map = false;  // also output the head feature map
};

// The networks make_synthetic_plan knows.
std::vector<std::string> synthetic_networks();

// Outputs: logits [1,1,classes], pooled features [1,1,head], then the head map when asked.
// Throws effnet::Error (ERR_INVALID_OPTION) for an unknown network.
Plan make_synthetic_plan(const SyntheticOptions& options);

}  // namespace effnet
