// effnet_cuda: the CUDA backend's checks and benchmarks, without Node (for the GPU machine).
//
//   effnet_cuda status
//   effnet_cuda list                      the op case ids, for --filter
//   effnet_cuda check [--precision fp32|fp16|all] [--filter SUBSTRING[|SUBSTRING...]] [--no-net] [--net-batch N]
//                     [--plan FILE]... [--device D] [--quiet]
//       Every op case of core/op_cases (the same table effnet_check runs on the CPU) on CUDA vs the
//       CPU reference kernels, then whole networks (synthetic B0 at 224, synthetic B3 at 300, and
//       any --plan files) vs the CPU reference model: logits within 1e-4 (fp32) / 1e-2 (fp16) of
//       max |logit|, and top-5 equal. Prints a table; exit 1 on any failure.
//   effnet_cuda bench --plan FILE [--plan FILE]... [--batch 1,8,64,256] [--precision fp32,fp16]
//                     [--iters N] [--warmup N] [--json OUT] [--device D]
//       Per (plan, precision, batch): warm-up (the first run captures the CUDA graph), then N runs
//       with the outputs poisoned (NaN) before each and checked after; medians of the device time
//       (CUDA events around the graph: ops only, and with the host<->device copies) and of the
//       wall time of Model::run; images/s from the ops-only median.
//
// Without a usable GPU every command prints the reason (ERR_CUDA_UNAVAILABLE, with the CUDA error)
// and exits 77 (the ctest "skipped" code), or 1 when EFFICIENTNET_REQUIRE_CUDA=1.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/compiled_op.h"
#include "core/op_cases.h"
#include "core/prng.h"
#include "cpu/levels.h"
#include "effnet/error.h"
#include "cuda/cuda_model.h"
#include "effnet/cuda.h"
#include "effnet/error.h"
#include "effnet/model.h"
#include "tools/synthetic_plan.h"

using namespace effnet;

namespace {

constexpr int kExitSkipped = 77;

struct Tolerance {
  double nmse, max_abs;  // op cases: nmse and max_abs / max(1, max_ref), as effnet_check
  double logits;         // networks: max |diff| / max |ref| over the logits
};
Tolerance tolerance_for(Precision p) {
  // fp32: the house tolerances (core/op_cases.h). fp16: storage rounding (2^-11 relative per
  // rounding, a few roundings per op) with fp32 accumulation: ~1e-3, checked at 1e-2.
  return p == Precision::fp32 ? Tolerance{kOpCaseMaxNmse, kOpCaseMaxAbs, 1e-4} : Tolerance{1e-4, 1e-2, 1e-2};
}
const char* precision_name(Precision p) { return p == Precision::fp16 ? "fp16" : "fp32"; }

bool require_cuda() {
  const char* v = std::getenv("EFFICIENTNET_REQUIRE_CUDA");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

int unavailable(const std::string& why) {
  std::fprintf(stderr, "effnet_cuda: %s: %s\n", kErrCudaUnavailable, why.c_str());
  if (require_cuda()) return 1;
  std::fprintf(stderr, "effnet_cuda: skipped (set EFFICIENTNET_REQUIRE_CUDA=1 to make this a failure)\n");
  return kExitSkipped;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<Precision> parse_precisions(const std::string& s) {
  std::vector<Precision> out;
  for (const std::string& p : split(s)) {
    if (p == "fp32") out.push_back(Precision::fp32);
    else if (p == "fp16") out.push_back(Precision::fp16);
    else if (p == "all") out = {Precision::fp32, Precision::fp16};
    else throw Error(kErrInvalidOption, "precision '" + p + "' is not fp32, fp16 or all");
  }
  if (out.empty()) throw Error(kErrInvalidOption, "no precision given");
  return out;
}

// ---- op cases -------------------------------------------------------------------------------------

// --filter "a|b": the case id contains a or b ("" matches everything).
bool matches(const std::string& id, const std::string& filter) {
  if (filter.empty()) return true;
  size_t start = 0;
  while (start <= filter.size()) {
    const size_t bar = filter.find('|', start);
    const std::string part = filter.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (!part.empty() && id.find(part) != std::string::npos) return true;
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return false;
}

struct Compare {
  double max_abs_diff = 0, nmse = 0, max_abs_ref = 0;
  int64_t n = 0;
};

void accumulate(const std::vector<float>& ref, const std::vector<float>& got, Compare& r, double& err2, double& ref2) {
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = std::isfinite(got[i]) ? std::fabs(double(got[i]) - double(ref[i])) : HUGE_VAL;
    r.max_abs_diff = std::max(r.max_abs_diff, d);
    r.max_abs_ref = std::max(r.max_abs_ref, std::fabs(double(ref[i])));
    err2 += d * d;
    ref2 += double(ref[i]) * double(ref[i]);
    ++r.n;
  }
}

// Runs every output buffer of `model` with NaN poison first; fed[0] = input, then externals.
std::vector<std::vector<float>> run_poisoned(CudaModel& model, const std::vector<const float*>& fed, int32_t batch) {
  const Plan& p = model.plan();
  std::vector<std::vector<float>> outs;
  std::vector<float*> ptrs;
  for (int32_t v : p.outputs) {
    outs.emplace_back(size_t(p.values[size_t(v)].size() * batch), std::numeric_limits<float>::quiet_NaN());
  }
  for (auto& o : outs) ptrs.push_back(o.data());
  model.run_fed(fed.data(), batch, ptrs.data());
  return outs;
}

int check_cases(Precision precision, const std::string& filter, int device, bool quiet, int* passed, int* failed) {
  const Tolerance tol = tolerance_for(precision);
  CudaOptions options;
  options.device = device;
  options.precision = precision;
  for (const OpCase& c : op_cases()) {
    if (!matches(c.id, filter)) continue;
    const auto inputs = op_case_inputs(c);
    const auto ref = op_case_reference(c, inputs);
    auto model = compile_cuda_model(c.plan, options, c.external);
    std::vector<const float*> fed = {inputs[size_t(c.plan.input)].data()};
    for (int32_t v : c.external) fed.push_back(inputs[size_t(v)].data());
    // Twice: the first run is eager, the second replays the captured graph; both must be right.
    Compare r;
    double err2 = 0, ref2 = 0;
    for (int pass = 0; pass < 2; ++pass) {
      const auto got = run_poisoned(*model, fed, c.batch);
      for (size_t i = 0; i < ref.size(); ++i) accumulate(ref[i], got[i], r, err2, ref2);
    }
    r.nmse = ref2 > 0 ? err2 / ref2 : err2;
    const bool ok = r.nmse <= tol.nmse && r.max_abs_diff <= tol.max_abs * std::max(1.0, r.max_abs_ref);
    ok ? ++*passed : ++*failed;
    if (!quiet || !ok) {
      std::printf("%-62s %-16s %11.3e %11.3e %9.3g  %s (seed %llu)\n", c.id.c_str(), model->kernel_name().c_str(),
                  r.max_abs_diff, r.nmse, r.max_abs_ref, ok ? "ok" : "FAIL", (unsigned long long)c.seed);
    }
  }
  return 0;
}

// ---- whole networks -------------------------------------------------------------------------------

struct NetPlan {
  std::string name;
  Plan plan;
};

std::vector<int> top_k(const float* logits, int n, int k) {
  std::vector<int> idx(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) idx[size_t(i)] = i;
  k = std::min(k, n);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) { return logits[a] > logits[b]; });
  idx.resize(size_t(k));
  return idx;
}

// A network's input (seeded by its name) and its outputs on the CPU reference model.
struct NetReference {
  std::vector<float> input;
  std::vector<std::vector<float>> outputs;
  double seconds = 0;
};

NetReference net_reference(const NetPlan& net, int32_t batch) {
  const Plan& plan = net.plan;
  NetReference r;
  r.input.resize(size_t(plan.values[size_t(plan.input)].size() * batch));
  Prng rng(seed_from_string(net.name));
  for (float& f : r.input) f = rng.uniform(-2.0f, 2.0f);
  CompileOptions ro;
  ro.kernels = KernelSet::reference;
  auto model = Model::compile(plan, ro);
  std::vector<float*> ptrs;
  for (int32_t v : plan.outputs) r.outputs.emplace_back(size_t(plan.values[size_t(v)].size() * batch));
  for (auto& o : r.outputs) ptrs.push_back(o.data());
  const auto t0 = std::chrono::steady_clock::now();
  model->run(r.input.data(), batch, ptrs.data());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

bool check_net(const NetPlan& net, const NetReference& reference, Precision precision, int32_t batch, int device) {
  const Tolerance tol = tolerance_for(precision);
  const Plan& plan = net.plan;
  const std::vector<float>& input = reference.input;
  const std::vector<std::vector<float>>& ref = reference.outputs;
  CudaOptions options;
  options.device = device;
  options.precision = precision;
  auto model = compile_cuda_model(plan, options);
  bool ok = true;
  for (int pass = 0; pass < 2; ++pass) {  // eager, then the graph
    const auto got = run_poisoned(*model, {input.data()}, batch);
    for (size_t o = 0; o < ref.size(); ++o) {
      Compare r;
      double err2 = 0, ref2 = 0;
      accumulate(ref[o], got[o], r, err2, ref2);
      r.nmse = ref2 > 0 ? err2 / ref2 : err2;
      const double rel = r.max_abs_ref > 0 ? r.max_abs_diff / r.max_abs_ref : r.max_abs_diff;
      const bool logits = o == 0;  // outputs: logits, pooled features[, head map]
      bool out_ok = std::isfinite(rel) && rel <= tol.logits;
      std::string top5 = "";
      if (logits) {
        // top-5 must be equal, except where the reference itself cannot tell two classes apart
        // within the tolerance (a near-tie may swap under legitimate rounding).
        const int classes = plan.values[size_t(plan.outputs[0])].c;
        int strict_equal = 0, tie_ok = 0;
        for (int32_t n = 0; n < batch; ++n) {
          const float* rl = ref[o].data() + int64_t(n) * classes;
          const float* gl = got[o].data() + int64_t(n) * classes;
          const auto rt = top_k(rl, classes, 5), gt = top_k(gl, classes, 5);
          bool same = rt == gt, tied = true;
          for (size_t j = 0; j < rt.size() && !same; ++j) {
            if (rt[j] != gt[j] && std::fabs(double(rl[rt[j]]) - double(rl[gt[j]])) > 2 * tol.logits * r.max_abs_ref) {
              tied = false;
            }
          }
          strict_equal += same;
          tie_ok += same || tied;
        }
        out_ok = out_ok && tie_ok == batch;
        top5 = "  top-5 equal " + std::to_string(strict_equal) + "/" + std::to_string(batch) +
               (strict_equal != batch ? " (" + std::to_string(tie_ok) + " within near-ties)" : "");
      }
      ok = ok && out_ok;
      char id[160];
      std::snprintf(id, sizeof(id), "net/%s/%s/b%d/%s/out%zu%s", net.name.c_str(), precision_name(precision), batch,
                    pass == 0 ? "eager" : "graph", o, logits ? "_logits" : "");
      std::printf("%-62s %-16s %11.3e %11.3e %9.3g  %s rel %.2e%s\n", id, model->kernel_name().c_str(), r.max_abs_diff,
                  r.nmse, r.max_abs_ref, out_ok ? "ok" : "FAIL", rel, top5.c_str());
    }
  }
  return ok;
}

NetPlan synthetic(const std::string& name, int32_t res, double width) {
  SyntheticOptions o;
  o.resolution = res;
  o.width = width;
  o.seed = seed_from_string(name);
  return {name, make_synthetic_plan(o)};
}

int cmd_check(int argc, char** argv) {
  std::string filter, precisions = "all";
  std::vector<std::string> plan_files;
  bool nets = true, quiet = false;
  int32_t net_batch = 2;
  int device = 0;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--precision" && i + 1 < argc) precisions = argv[++i];
    else if (a == "--filter" && i + 1 < argc) filter = argv[++i];
    else if (a == "--no-net") nets = false;
    else if (a == "--net-batch" && i + 1 < argc) net_batch = std::max(1, std::atoi(argv[++i]));
    else if (a == "--plan" && i + 1 < argc) plan_files.push_back(argv[++i]);
    else if (a == "--device" && i + 1 < argc) device = std::atoi(argv[++i]);
    else if (a == "--quiet") quiet = true;
    else {
      std::fprintf(stderr, "effnet_cuda check: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  const CudaStatus st = cuda_status();
  if (!st.available) {
    // Also prove the compile path fails cleanly (an Error, not a crash) where there is no GPU.
    compile_cuda(op_cases().front().plan, CudaOptions{});
    std::fprintf(stderr, "effnet_cuda: cuda_status() says unavailable (%s) but compile_cuda() succeeded\n",
                 st.reason.c_str());
    return 1;
  }
  std::printf("device %d: %s (sm_%d), %d device(s)\n", device, st.device_name.c_str(), st.compute_capability,
              st.device_count);
  int passed = 0, failed = 0;
  std::printf("%-62s %-16s %11s %11s %9s  %s\n", "case", "kernel", "max_abs", "nmse", "max_ref", "result");
  for (Precision p : parse_precisions(precisions)) {
    check_cases(p, filter, device, quiet, &passed, &failed);
  }
  if (nets) {
    std::vector<NetPlan> plans;
    // Synthetic nets (tools/synthetic_plan): B0 exactly; "b3w" is B3's width (1.2) and resolution
    // (300) with B0's depths, until the synthetic builder can scale depth. Real B3: --plan b3.bin.
    plans.push_back(synthetic("b0", 224, 1.0));
    plans.push_back(synthetic("b3w", 300, 1.2));
    for (const std::string& f : plan_files) plans.push_back({f, load_plan(f)});
    for (const NetPlan& net : plans) {
      const NetReference ref = net_reference(net, net_batch);
      std::printf("  (%s: CPU reference model took %.1f s for batch %d)\n", net.name.c_str(), ref.seconds, net_batch);
      for (Precision p : parse_precisions(precisions)) {
        check_net(net, ref, p, net_batch, device) ? ++passed : ++failed;
      }
    }
  }
  std::printf("effnet_cuda check: %d passed, %d failed (op cases: fp32 nmse <= %g, max_abs <= %g * max(1, max_ref); "
              "fp16 nmse <= %g, max_abs <= %g * max(1, max_ref); networks: logits max_abs <= %g (fp32) / %g (fp16) "
              "* max |logit|, top-5 equal)\n",
              passed, failed, tolerance_for(Precision::fp32).nmse, tolerance_for(Precision::fp32).max_abs,
              tolerance_for(Precision::fp16).nmse, tolerance_for(Precision::fp16).max_abs,
              tolerance_for(Precision::fp32).logits, tolerance_for(Precision::fp16).logits);
  return failed == 0 && passed > 0 ? 0 : 1;
}

// ---- bench ----------------------------------------------------------------------------------------

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

std::string plan_label(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find('.');
  return dot == std::string::npos ? base : base.substr(0, dot);
}

int cmd_bench(int argc, char** argv) {
  std::vector<std::string> plan_files;
  std::string batches = "1,8,64,256", precisions = "fp32,fp16", json;
  int iters = 20, warmup = 3, device = 0;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--plan" && i + 1 < argc) plan_files.push_back(argv[++i]);
    else if (a == "--batch" && i + 1 < argc) batches = argv[++i];
    else if (a == "--precision" && i + 1 < argc) precisions = argv[++i];
    else if (a == "--iters" && i + 1 < argc) iters = std::max(1, std::atoi(argv[++i]));
    else if (a == "--warmup" && i + 1 < argc) warmup = std::max(1, std::atoi(argv[++i]));
    else if (a == "--json" && i + 1 < argc) json = argv[++i];
    else if (a == "--device" && i + 1 < argc) device = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "effnet_cuda bench: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (plan_files.empty()) {
    std::fprintf(stderr, "effnet_cuda bench: --plan FILE is required (effnet_make_plan writes one)\n");
    return 2;
  }
  const CudaStatus st = cuda_status();
  if (!st.available) return unavailable(st.reason);
  std::printf("device %d: %s (sm_%d); %d warm-up runs (the first captures the graph), median of %d\n", device,
              st.device_name.c_str(), st.compute_capability, warmup, iters);
  std::printf("%-10s %-5s %6s %12s %12s %12s %12s %10s %s\n", "plan", "prec", "batch", "ops_ms", "device_ms",
              "wall_ms", "img/s(ops)", "arena_MiB", "");
  std::string rows;
  bool all_ok = true;
  for (const std::string& file : plan_files) {
    const Plan plan = load_plan(file);
    const std::string label = plan_label(file);
    const ValueDesc in = plan.values[size_t(plan.input)];
    for (Precision prec : parse_precisions(precisions)) {
      CudaOptions options;
      options.device = device;
      options.precision = prec;
      auto model = compile_cuda_model(plan, options);
      for (const std::string& bs : split(batches)) {
        const int32_t batch = std::atoi(bs.c_str());
        std::vector<float> input(size_t(in.size() * batch));
        Prng rng(7);
        for (float& f : input) f = rng.uniform(-2.0f, 2.0f);
        std::vector<std::vector<float>> outs;
        std::vector<float*> ptrs;
        for (int32_t v : plan.outputs) outs.emplace_back(size_t(plan.values[size_t(v)].size() * batch));
        for (auto& o : outs) ptrs.push_back(o.data());
        std::vector<double> ops_ms, dev_ms, wall_ms;
        bool finite = true;
        try {
          for (int r = 0; r < warmup + iters; ++r) {
            for (auto& o : outs) std::fill(o.begin(), o.end(), std::numeric_limits<float>::quiet_NaN());
            const auto t0 = std::chrono::steady_clock::now();
            model->run(input.data(), batch, ptrs.data());
            const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            for (const auto& o : outs) finite = finite && std::all_of(o.begin(), o.end(), [](float f) { return std::isfinite(f); });
            if (r < warmup) continue;
            ops_ms.push_back(model->last_compute_ms());
            dev_ms.push_back(model->last_total_ms());
            wall_ms.push_back(wall);
          }
        } catch (const Error& e) {
          if (e.code() != kErrCudaOom) throw;
          std::printf("%-10s %-5s %6d  %s: %s\n", label.c_str(), precision_name(prec), batch, e.code().c_str(), e.what());
          continue;  // the model stays usable: try the next batch size
        }
        const double ops = median(ops_ms), dev = median(dev_ms), wall = median(wall_ms);
        const double ips = ops > 0 ? 1000.0 * batch / ops : 0;
        all_ok = all_ok && finite;
        std::printf("%-10s %-5s %6d %12.3f %12.3f %12.3f %12.1f %10.1f %s\n", label.c_str(), precision_name(prec), batch,
                    ops, dev, wall, ips, double(model->arena_bytes(batch)) / (1 << 20),
                    finite ? "" : "NON-FINITE OUTPUT");
        char row[512];
        std::snprintf(row, sizeof(row),
                      "%s{\"plan\": \"%s\", \"precision\": \"%s\", \"batch\": %d, \"ops_ms\": %.4f, \"device_ms\": %.4f, "
                      "\"wall_ms\": %.4f, \"images_per_s\": %.1f, \"finite\": %s}",
                      rows.empty() ? "" : ",\n  ", label.c_str(), precision_name(prec), batch, ops, dev, wall, ips,
                      finite ? "true" : "false");
        rows += row;
      }
    }
  }
  if (!json.empty()) {
    FILE* f = std::fopen(json.c_str(), "w");
    if (f == nullptr) throw Error(kErrInvalidOption, "cannot write " + json);
    std::fprintf(f, "{\"device\": \"%s\", \"rows\": [\n  %s\n]}\n", st.device_name.c_str(), rows.c_str());
    std::fclose(f);
  }
  return all_ok ? 0 : 1;
}

int cmd_status() {
  const CudaStatus st = cuda_status();
  std::printf("compiled: %s\navailable: %s\n", st.compiled ? "yes" : "no", st.available ? "yes" : "no");
  if (!st.available) {
    std::printf("reason: %s\n", st.reason.c_str());
    return unavailable(st.reason);
  }
  std::printf("devices: %d\ndevice 0: %s (sm_%d)\n", st.device_count, st.device_name.c_str(), st.compute_capability);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "check") return cmd_check(argc, argv);
    if (cmd == "bench") return cmd_bench(argc, argv);
    if (cmd == "status") return cmd_status();
    if (cmd == "list") {  // the op case ids (no GPU needed), for --filter
      for (const OpCase& c : op_cases()) std::printf("%s\n", c.id.c_str());
      return 0;
    }
  } catch (const Error& e) {
    if (e.code() == kErrCudaUnavailable) return unavailable(e.what());
    std::fprintf(stderr, "effnet_cuda: %s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: effnet_cuda status | list\n"
               "       effnet_cuda check [--precision fp32|fp16|all] [--filter S] [--no-net] [--net-batch N] [--plan F]...\n"
               "       effnet_cuda bench --plan F [--plan F]... [--batch 1,8,64,256] [--precision fp32,fp16] [--iters N]\n"
               "                         [--warmup N] [--json OUT]\n");
  return 2;
}
