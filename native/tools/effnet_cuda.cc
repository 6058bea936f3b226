// effnet_cuda: the CUDA backend's checks and benchmarks, without Node (for the GPU machine).
//
//   effnet_cuda status
//   effnet_cuda list                      the op case ids, for --filter
//   effnet_cuda check [--precision fp32|fp16|all] [--filter SUBSTRING[|SUBSTRING...]] [--no-net] [--net-batch N]
//                     [--plan FILE]... [--device D] [--quiet]
//       Every op case of test/op_cases (the same table effnet_check runs on the CPU) on CUDA vs the
//       CPU reference kernels, then whole networks (synthetic B0 at 224, synthetic B3 at 300, and
//       any --plan files) vs the CPU reference model: logits within 1e-4 (fp32) / 1e-2 (fp16) of
//       max |logit|, and top-5 equal. Prints a table; exit 1 on any failure.
//       Each case runs twice: eagerly, then as the captured CUDA graph on a DIFFERENT input with its
//       own reference, with the device arena and the pinned outputs poisoned (NaN) before every run
//       (CudaModel::set_poison_each_run), so a graph that lacks a node or a copy cannot pass on
//       values left over from the eager run. Every output is compared on its own scale
//       (tools/output_check.h). A case that throws is a FAIL and the check goes on; only
//       ERR_CUDA_LOST (the context is dead) stops it.
//       Smallest first step on a new machine (one tiny kernel, no networks):
//         effnet_cuda check --no-net --precision fp32 --filter linear/ci1_co1_b1
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
#include "test/op_cases.h"
#include "core/prng.h"
#include "cpu/levels.h"
#include "cuda/cuda_model.h"
#include "effnet/cuda.h"
#include "effnet/error.h"
#include "effnet/model.h"
#include "tools/output_check.h"
#include "tools/synthetic_plan.h"

using namespace effnet;

namespace {

constexpr int kExitSkipped = 77;

struct Tolerance {
  double nmse, max_abs;  // op cases: nmse and max_abs / max(1, max_ref), as effnet_check
  double logits;         // networks: max |diff| / max |ref| over the logits
};
Tolerance tolerance_for(Precision p) {
  // fp32: the house tolerances (test/op_cases.h). fp16: storage rounding (2^-11 relative per
  // rounding, a few roundings per op) with fp32 accumulation: ~1e-3, checked at 1e-2.
  return p == Precision::fp32 ? Tolerance{kOpCaseMaxNmse, kOpCaseMaxAbs, 1e-4} : Tolerance{1e-4, 1e-2, 1e-2};
}

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

// Runs `model` once with its arena and outputs poisoned (NaN) first; fed[0] = input, then externals.
// pass 1 must replay a graph: a batch size whose capture failed would run eagerly again, and the
// "graph" rows would check nothing the eager rows did not.
std::vector<std::vector<float>> run_poisoned(CudaModel& model, const std::vector<const float*>& fed, int32_t batch,
                                             int pass) {
  if (pass == 1 && !model.has_graph(batch)) {
    throw Error(kErrInternal, "no CUDA graph was captured after the eager run at batch " + std::to_string(batch));
  }
  const Plan& p = model.plan();
  std::vector<int64_t> sizes;
  for (int32_t v : p.outputs) sizes.push_back(p.values[size_t(v)].size());
  auto outs = poisoned_outputs(sizes, batch);
  std::vector<float*> ptrs;
  for (auto& o : outs) ptrs.push_back(o.data());
  model.set_poison_each_run(true);
  model.run_fed(fed.data(), batch, ptrs.data());
  return outs;
}

// The two checked runs of a model: the first runs eagerly (and captures the graph), the second
// replays the graph, on another input so that a stale eager result cannot pass for it.
constexpr const char* kPassName[2] = {"eager", "graph"};
constexpr uint64_t kGraphInputSalt = 0x67726170682d696eull;

struct Tally {
  int passed = 0, failed = 0;
  bool lost = false;  // ERR_CUDA_LOST: nothing more can run in this process
};

// Runs one case's check; an exception is that case's FAIL (printed), not the end of the check,
// except ERR_CUDA_LOST. body() returns whether the case passed.
template <typename Body>
void guarded(const std::string& id, Tally& t, Body body) {
  bool ok = false;
  try {
    ok = body();
  } catch (const Error& e) {
    std::printf("%-62s FAIL %s: %s\n", id.c_str(), e.code().c_str(), e.what());
    t.lost = e.code() == kErrCudaLost;
  } catch (const std::exception& e) {
    std::printf("%-62s FAIL %s\n", id.c_str(), e.what());
  }
  ok ? ++t.passed : ++t.failed;
}

void print_row(const std::string& id, const std::string& kernel, const OutputComparison& r, bool ok,
               const std::string& tail) {
  std::printf("%-62s %-16s %11.3e %11.3e %9.3g  %s%s\n", id.c_str(), kernel.c_str(), r.max_abs_diff, r.nmse,
              r.max_abs_ref, ok ? "ok" : "FAIL", tail.c_str());
}

void check_cases(Precision precision, const std::string& filter, int device, bool quiet, Tally& t) {
  const Tolerance tol = tolerance_for(precision);
  CudaOptions options;
  options.device = device;
  options.precision = precision;
  for (const OpCase& c : op_cases()) {
    if (t.lost) return;
    if (!matches(c.id, filter)) continue;
    const std::string id = c.id + "/" + precision_name(precision);
    guarded(id, t, [&] {
      OpCase graph_case = c;  // same op and weights, other inputs
      graph_case.seed = c.seed ^ kGraphInputSalt;
      auto model = compile_cuda_model(c.plan, options, c.external);
      bool ok = true;
      for (int pass = 0; pass < 2; ++pass) {
        const OpCase& run_case = pass == 0 ? c : graph_case;
        const auto inputs = op_case_inputs(run_case);
        const auto ref = op_case_reference(run_case, inputs);
        std::vector<const float*> fed = {inputs[size_t(c.plan.input)].data()};
        for (int32_t v : c.external) fed.push_back(inputs[size_t(v)].data());
        const auto got = run_poisoned(*model, fed, c.batch, pass);
        for (size_t o = 0; o < ref.size(); ++o) {
          const OutputComparison r = compare_output(ref[o], got[o]);
          const bool out_ok = within_op_tolerance(r, tol.nmse, tol.max_abs);
          ok = ok && out_ok;
          if (!quiet || !out_ok) {
            print_row(id + "/" + kPassName[pass] + "/out" + std::to_string(o), model->kernel_name(), r, out_ok,
                      " (seed " + std::to_string(run_case.seed) + ")");
          }
        }
      }
      return ok;
    });
  }
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

NetReference net_reference(const NetPlan& net, int32_t batch, const char* pass) {
  const Plan& plan = net.plan;
  NetReference r;
  r.input.resize(size_t(plan.values[size_t(plan.input)].size() * batch));
  Prng rng(seed_from_string(net.name + "/" + pass));
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

// references[pass]: the eager pass's input and outputs, then the graph pass's (another input).
bool check_net(const NetPlan& net, const NetReference (&references)[2], Precision precision, int32_t batch, int device) {
  const Tolerance tol = tolerance_for(precision);
  const Plan& plan = net.plan;
  CudaOptions options;
  options.device = device;
  options.precision = precision;
  auto model = compile_cuda_model(plan, options);
  bool ok = true;
  for (int pass = 0; pass < 2; ++pass) {
    const std::vector<std::vector<float>>& ref = references[pass].outputs;
    const auto got = run_poisoned(*model, {references[pass].input.data()}, batch, pass);
    for (size_t o = 0; o < ref.size(); ++o) {
      const OutputComparison r = compare_output(ref[o], got[o]);
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
                    kPassName[pass], o, logits ? "_logits" : "");
      char rel_text[32];
      std::snprintf(rel_text, sizeof(rel_text), " rel %.2e", rel);
      print_row(id, model->kernel_name(), r, out_ok, rel_text + top5);
    }
  }
  return ok;
}

NetPlan synthetic(const std::string& name) {
  SyntheticOptions o;
  o.network = name;
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
  Tally t;
  std::printf("%-62s %-16s %11s %11s %9s  %s\n", "case", "kernel", "max_abs", "nmse", "max_ref", "result");
  for (Precision p : parse_precisions(precisions)) check_cases(p, filter, device, quiet, t);
  if (nets) {
    std::vector<NetPlan> plans;
    // Synthetic nets (tools/synthetic_plan): B0 and B3 with their real shapes, seeded weights.
    plans.push_back(synthetic("b0"));
    plans.push_back(synthetic("b3"));
    for (const std::string& f : plan_files) plans.push_back({f, load_plan(f)});
    for (const NetPlan& net : plans) {
      if (t.lost) break;
      const NetReference refs[2] = {net_reference(net, net_batch, kPassName[0]),
                                    net_reference(net, net_batch, kPassName[1])};
      std::printf("  (%s: CPU reference model took %.1f s for batch %d, twice)\n", net.name.c_str(), refs[0].seconds,
                  net_batch);
      for (Precision p : parse_precisions(precisions)) {
        if (t.lost) break;
        guarded("net/" + net.name + "/" + precision_name(p), t, [&] { return check_net(net, refs, p, net_batch, device); });
      }
    }
  }
  if (t.lost) std::printf("effnet_cuda check: stopped early: the CUDA context is lost (ERR_CUDA_LOST)\n");
  const int passed = t.passed, failed = t.failed;
  std::printf("effnet_cuda check: %d passed, %d failed (op cases: fp32 nmse <= %g, max_abs <= %g * max(1, max_ref); "
              "fp16 nmse <= %g, max_abs <= %g * max(1, max_ref); networks: logits max_abs <= %g (fp32) / %g (fp16) "
              "* max |logit|, top-5 equal)\n",
              passed, failed, tolerance_for(Precision::fp32).nmse, tolerance_for(Precision::fp32).max_abs,
              tolerance_for(Precision::fp16).nmse, tolerance_for(Precision::fp16).max_abs,
              tolerance_for(Precision::fp32).logits, tolerance_for(Precision::fp16).logits);
  return failed == 0 && passed > 0 && !t.lost ? 0 : 1;
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
            poison_with_nan(outs);
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
