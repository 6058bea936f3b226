#include "tools/op_profile.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/prng.h"

namespace effnet {

void profile_ops(const Plan& plan, const CompileOptions& options, int32_t batch, int32_t iters, uint64_t seed) {
  auto model = Model::compile(plan, options);
  std::vector<float> input(size_t(plan.values[size_t(plan.input)].size() * batch));
  Prng rng(seed);
  for (float& f : input) f = rng.uniform(-2.0f, 2.0f);
  const RunProfile p = model->profile(input.data(), batch, iters);
  std::printf("profile (%s, %d threads, batch %d, median of %d runs per step; steps before %d run one image per thread)\n",
              model->kernel_name().c_str(), model->threads(), batch, iters, p.band_steps);
  std::printf("%4s %-17s %-16s %-16s %9s %6s %9s %8s\n", "op", "kind", "in", "out", "ms", "share", "GFLOP/s", "GB/s");
  std::map<std::string, double> by_kind;
  double total = 0;
  for (const StepTime& s : p.steps) total += s.ms;
  for (const StepTime& s : p.steps) {
    const OpDesc& first = plan.ops[size_t(s.first_op)];
    const OpDesc& last = plan.ops[size_t(s.first_op + s.op_count - 1)];
    std::string kind = op_name(first.kind);
    if (s.op_count == 2) kind += "+dw";
    const ValueDesc& in = plan.values[size_t(first.x)];
    const ValueDesc& out = plan.values[size_t(last.y)];
    char sin[32], sout[32];
    std::snprintf(sin, sizeof(sin), "%dx%dx%d", in.h, in.w, in.c);
    std::snprintf(sout, sizeof(sout), "%dx%dx%d", out.h, out.w, out.c);
    std::printf("%4d %-17s %-16s %-16s %9.4f %5.1f%% %9.1f %8.1f\n", s.first_op, kind.c_str(), sin, sout, s.ms,
                100.0 * s.ms / total, s.flops / (s.ms * 1e6), s.bytes / (s.ms * 1e6));
    by_kind[kind] += s.ms;
  }
  std::printf("by kind:\n");
  for (const auto& kv : by_kind) std::printf("  %-14s %9.3f ms  %5.1f%%\n", kv.first.c_str(), kv.second, 100.0 * kv.second / total);
  std::printf("  %-14s %9.3f ms (sum of step medians; median run %.3f ms)\n", "total", total, p.run_ms);
}

}  // namespace effnet
