// effnet_run: loads a saved plan, fills the input from a seed, runs it and prints each output's
// checksums and the median latency. No Node needed.
//   effnet_run plan.bin [--batch N] [--iters K] [--level L] [--precision fp32|bf16] [--threads T] [--seed S] [--compare-reference]
//              [--profile]
// --profile: instead, times every op on its own (tools/op_profile.h) and prints a per-op table.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/prng.h"
#include "effnet/error.h"
#include "effnet/model.h"
#include "tools/op_profile.h"

using namespace effnet;

namespace {

std::vector<std::vector<float>> run_once(Model& model, const std::vector<float>& input, int32_t batch) {
  const Plan& p = model.plan();
  std::vector<std::vector<float>> outs;
  std::vector<float*> ptrs;
  for (int32_t v : p.outputs) outs.emplace_back(size_t(p.values[size_t(v)].size() * batch), NAN);
  for (auto& o : outs) ptrs.push_back(o.data());
  model.run(input.data(), batch, ptrs.data());
  return outs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: effnet_run plan.bin [--batch N] [--iters K] [--level L] [--precision fp32|bf16] [--threads T] [--seed S] "
                 "[--compare-reference] [--profile]\n");
    return 2;
  }
  const std::string path = argv[1];
  int32_t batch = 1, iters = 10;
  uint64_t seed = 1;
  bool compare = false, profile = false;
  CompileOptions options;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--batch" && i + 1 < argc) batch = std::atoi(argv[++i]);
    else if (a == "--iters" && i + 1 < argc) iters = std::max(1, std::atoi(argv[++i]));
    else if (a == "--level" && i + 1 < argc) options.cpu_level = argv[++i];
    else if (a == "--threads" && i + 1 < argc) options.threads = std::atoi(argv[++i]);
    else if (a == "--precision" && i + 1 < argc) {
      const std::string p = argv[++i];
      if (p != "fp32" && p != "bf16") {
        std::fprintf(stderr, "effnet_run: --precision is fp32 or bf16, not %s\n", p.c_str());
        return 2;
      }
      options.precision = p == "bf16" ? Precision::bf16 : Precision::fp32;
    }
    else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--compare-reference") compare = true;
    else if (a == "--profile") profile = true;
    else {
      std::fprintf(stderr, "effnet_run: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  try {
    const Plan plan = load_plan(path);
    if (options.cpu_level == "reference") options.kernels = KernelSet::reference;
    if (profile) {
      profile_ops(plan, options, std::max(batch, 1), iters, seed);
      return 0;
    }
    auto model = Model::compile(plan, options);
    const ValueDesc in = plan.values[size_t(plan.input)];
    std::vector<float> input(size_t(in.size() * std::max(batch, 1)));
    Prng rng(seed);
    for (float& f : input) f = rng.uniform(-2.0f, 2.0f);

    std::printf("plan %s: %zu ops, input [%d,%d,%d], batch %d, kernels %s, threads %d, seed %llu\n", path.c_str(),
                plan.ops.size(), in.h, in.w, in.c, batch, model->kernel_name().c_str(), model->threads(),
                (unsigned long long)seed);
    auto outs = run_once(*model, input, batch);  // warm-up: creates the arena
    std::vector<double> ms;
    for (int32_t i = 0; i < iters; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      outs = run_once(*model, input, batch);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    for (size_t i = 0; i < outs.size(); ++i) {
      double sum = 0, sum_abs = 0;
      for (float f : outs[i]) {
        sum += f;
        sum_abs += std::fabs(f);
      }
      const ValueDesc& d = plan.values[size_t(plan.outputs[i])];
      std::printf("output %zu [%d,%d,%d] x %d: sum %.6e  sum|x| %.6e  first", i, d.h, d.w, d.c, batch, sum, sum_abs);
      for (size_t j = 0; j < std::min<size_t>(4, outs[i].size()); ++j) std::printf(" %.6g", outs[i][j]);
      std::printf("\n");
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    std::printf("latency: median %.3f ms over %d runs (min %.3f, max %.3f) = %.1f images/s\n", median, iters, ms.front(),
                ms.back(), 1000.0 * batch / median);
    if (compare) {
      CompileOptions ro = options;
      ro.kernels = KernelSet::reference;
      auto ref_model = Model::compile(plan, ro);
      const auto ref = run_once(*ref_model, input, batch);
      double worst = 0;
      for (size_t i = 0; i < ref.size(); ++i) {
        double max_diff = 0, max_ref = 0, err2 = 0, ref2 = 0;
        for (size_t j = 0; j < ref[i].size(); ++j) {
          const double d = std::isfinite(outs[i][j]) ? std::fabs(double(outs[i][j]) - ref[i][j]) : HUGE_VAL;
          max_diff = std::max(max_diff, d);
          max_ref = std::max(max_ref, std::fabs(double(ref[i][j])));
          err2 += d * d;
          ref2 += double(ref[i][j]) * ref[i][j];
        }
        std::printf("vs reference, output %zu: max_abs_diff %.3e  nmse %.3e  max_abs_ref %.3g\n", i, max_diff,
                    ref2 > 0 ? err2 / ref2 : err2, max_ref);
        worst = std::max(worst, max_diff / std::max(1.0, max_ref));
      }
      std::printf("worst relative max diff %.3e\n", worst);
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "effnet_run: %s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  return 0;
}
