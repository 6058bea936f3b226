#include "tools/op_profile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/compiled_op.h"
#include "core/memory_plan.h"
#include "core/prng.h"
#include "core/thread_pool.h"
#include "cpu/levels.h"

namespace effnet {

void profile_ops(const Plan& plan, const CompileOptions& options, int32_t batch, int32_t iters, uint64_t seed) {
  const CpuKernels& kernels = select_kernels(options.kernels, options.cpu_level);
  int32_t threads = options.threads > 0 ? options.threads : int32_t(std::thread::hardware_concurrency());
  threads = std::max(1, std::min(threads, ThreadPool::instance().capacity()));
  std::vector<CompiledOp> ops;
  int64_t scratch_floats = 0;
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    ops.push_back(compile_op(plan, i, kernels));
    scratch_floats = std::max(scratch_floats, op_scratch_floats(ops.back(), batch));
  }
  // The same arena layout as Model (values that are not live at once share memory), so each op
  // sees the cache state it sees in a real run.
  const MemoryLayout layout = plan_memory(plan, batch, scratch_floats);
  AlignedBuffer arena(layout.total_floats);
  AlignedBuffer input(plan.values[size_t(plan.input)].size() * batch);
  Prng rng(seed);
  for (int64_t i = 0; i < input.size(); ++i) input.data()[i] = rng.uniform(-2.0f, 2.0f);
  std::fill(arena.data(), arena.data() + arena.size(), 0.0f);
  std::vector<float*> ptrs(plan.values.size(), nullptr);
  for (size_t v = 0; v < plan.values.size(); ++v) {
    if (layout.offset[v] >= 0) ptrs[v] = arena.data() + layout.offset[v];
  }
  ptrs[size_t(plan.input)] = input.data();
  float* scratch = arena.data() + layout.scratch_offset;
  std::vector<std::vector<double>> ms(ops.size());
  for (int32_t it = 0; it <= iters; ++it) {  // iteration 0 warms up
    for (size_t i = 0; i < ops.size(); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      run_op(ops[i], ptrs.data(), batch, threads, scratch);
      const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (it > 0) ms[i].push_back(t);
    }
  }
  std::printf("profile (%s, %d threads, batch %d, median of %d runs per op)\n", kernels.level, threads, batch, iters);
  std::printf("%4s %-14s %-24s %-24s %9s %9s\n", "op", "kind", "in", "out", "ms", "GFLOP/s");
  std::map<std::string, double> by_kind;
  double total = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    std::sort(ms[i].begin(), ms[i].end());
    const double med = ms[i][ms[i].size() / 2];
    const CompiledOp& op = ops[i];
    const ValueDesc& in = op.in;
    const ValueDesc& out = op.out;
    double macs = 0;  // multiply-adds per batch
    switch (op.desc.kind) {
      case OpKind::conv_bn_act: macs = double(out.size()) * in.c * op.desc.k * op.desc.k; break;
      case OpKind::dwconv_bn_act: macs = double(out.size()) * op.desc.k * op.desc.k; break;
      case OpKind::pwconv_bn_act:
      case OpKind::head_pool: macs = double(in.h) * in.w * in.c * out.c; break;
      case OpKind::linear: macs = double(in.c) * out.c; break;
      case OpKind::se_gate: macs = 2.0 * in.c * op.packed.hidden; break;
    }
    char sin[32], sout[32];
    std::snprintf(sin, sizeof(sin), "%dx%dx%d", in.h, in.w, in.c);
    std::snprintf(sout, sizeof(sout), "%dx%dx%d%s", out.h, out.w, out.c,
                  op.desc.kind == OpKind::dwconv_bn_act ? (" k" + std::to_string(op.desc.k) + "s" +
                                                           std::to_string(op.desc.stride)).c_str() : "");
    std::printf("%4zu %-14s %-24s %-24s %9.4f %9.1f\n", i, op_name(op.desc.kind), sin, sout, med,
                2.0 * macs * batch / (med * 1e6));
    by_kind[op_name(op.desc.kind)] += med;
    total += med;
  }
  std::printf("by kind:\n");
  for (const auto& kv : by_kind) {
    std::printf("  %-14s %9.3f ms  %5.1f%%\n", kv.first.c_str(), kv.second, 100.0 * kv.second / total);
  }
  std::printf("  %-14s %9.3f ms (sum of op medians)\n", "total", total);
}

}  // namespace effnet
