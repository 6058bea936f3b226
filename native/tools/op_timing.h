// One op timed on its own, for the kernel benches (effnet_gemm_bench, effnet_dw_bench): a one-op
// plan compiled at one level (compile_op, as the op-case harness does) and run over and over on
// the same buffers, so only the kernel is timed; the median of the runs.
#pragma once
#include <cstdint>

#include "cpu/kernel_api.h"
#include "effnet/plan.h"

namespace effnet {

// Median milliseconds of `iters` runs of plan.ops[0] (after one warm-up run) on `threads` threads,
// batch 1; every value of the plan gets its own buffer, inputs filled with 0.5.
double median_op_ms(const Plan& plan, const CpuKernels& level, int32_t threads, int32_t iters);

}  // namespace effnet
