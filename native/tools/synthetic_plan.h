// An EfficientNet-B0-shaped plan with seeded random weights, built in C++ so the native tools and
// tests can run a whole network without Node (the real lowering lives in lib/arch; this mirrors
// its op sequence: stem, per block [expand] -> dw(+sums) -> se_gate -> project(gated, +residual),
// head_pool, linear). Weights are scaled by 1/sqrt(fan-in) so activations stay O(1).
#pragma once
#include <cstdint>

#include "effnet/plan.h"

namespace effnet {

struct SyntheticOptions {
  int32_t resolution = 224;
  int32_t classes = 1000;
  uint64_t seed = 1;
  bool tf_same = false;    // TF SAME (asymmetric) padding instead of symmetric
  bool head_map = false;   // also output the head feature map
  double width = 1.0;      // channel multiplier (round_filters with divisor 8)
  double depth = 1.0;      // repeats multiplier (round_repeats = ceil(depth * repeats))
};

// The standard B0..B7 scalings (width, depth, resolution) into `o`; false for an unknown name.
bool synthetic_variant(const char* name, SyntheticOptions* o);

// Outputs: logits [1,1,classes], pooled features [1,1,head], then the head map when asked.
Plan make_synthetic_plan(const SyntheticOptions& options);

}  // namespace effnet
