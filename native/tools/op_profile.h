// Per-op timing of a plan for effnet_run --profile: compiles each op like Model does
// (core/compiled_op.h) in the same arena layout (core/memory_plan.h), runs the whole op list
// `iters` times with a clock read around each op and reports each op's median time. Separate from
// Model::run, so the production path carries no timing code.
#pragma once
#include <cstdint>
#include <string>

#include "effnet/model.h"
#include "effnet/plan.h"

namespace effnet {

void profile_ops(const Plan& plan, const CompileOptions& options, int32_t batch, int32_t iters, uint64_t seed);

}  // namespace effnet
