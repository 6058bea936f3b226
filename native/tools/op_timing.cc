#include "tools/op_timing.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/compiled_op.h"
#include "core/thread_pool.h"

namespace effnet {

double median_op_ms(const Plan& plan, const CpuKernels& level, int32_t threads, int32_t iters) {
  using Clock = std::chrono::steady_clock;
  const CompiledOp op = compile_op(plan, 0, level);
  std::vector<AlignedBuffer> buffers;
  std::vector<float*> values;
  for (const ValueDesc& v : plan.values) {
    buffers.emplace_back(v.size());
    std::fill(buffers.back().data(), buffers.back().data() + v.size(), 0.5f);
    values.push_back(buffers.back().data());
  }
  AlignedBuffer scratch(op_scratch_floats(op, 1));
  const int32_t t = std::min(threads, ThreadPool::instance().capacity());
  run_op(op, values.data(), 1, t, scratch.data());
  std::vector<double> ms;
  for (int32_t i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    run_op(op, values.data(), 1, t, scratch.data());
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace effnet
