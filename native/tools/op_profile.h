// Per-step timing of a plan for effnet_run --profile: Model::profile (the run exactly as run()
// does it, with a clock read around each step) printed as a table with each step's median time,
// share and GFLOP/s. The same numbers `efficientnet bench --profile` shows from Node.
#pragma once
#include <cstdint>

#include "effnet/model.h"
#include "effnet/plan.h"

namespace effnet {

void profile_ops(const Plan& plan, const CompileOptions& options, int32_t batch, int32_t iters, uint64_t seed);

}  // namespace effnet
