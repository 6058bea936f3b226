// A compiled model: a validated plan with packed weights, a memory arena per batch size and the
// kernels chosen for this CPU. run() is thread safe (runs are serialized per model) and allocates
// nothing once a batch size has been seen.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "effnet/plan.h"

namespace effnet {

enum class KernelSet : int32_t {
  fast = 0,       // the best kernels this CPU supports (EFFICIENTNET_CPU may force a level)
  reference = 1,  // the plain scalar reference kernels (the oracle)
};

// What the network computes in. fp32 everywhere by default. fp16: the CUDA backend only
// (effnet/cuda.h). bf16: the CPU only, on CPUs with AVX512_BF16 (the "avx512-bf16" kernels): the
// 1x1 convolutions (expand, project, head, classifier) round their inputs and weights to bfloat16
// and accumulate the products in fp32 (vdpbf16ps); every other op, and every tensor between ops,
// stays fp32. Anywhere else, asking for it throws kErrInvalidOption with the reason.
enum class Precision { fp32, fp16, bf16 };
const char* precision_name(Precision p);

struct CompileOptions {
  int32_t threads = 0;  // 0 = one per hardware core
  KernelSet kernels = KernelSet::fast;
  // Forces a CPU kernel level for KernelSet::fast: "" = auto (then the EFFICIENTNET_CPU environment
  // variable, if set, decides), "scalar" or "generic" (portable C++), "avx2", "avx512", "neon"
  // (aarch64), or "reference". An unknown level, or one this CPU cannot run, makes compile() throw.
  std::string cpu_level;
  Precision precision = Precision::fp32;
};

// One step of a profiled run: plan ops [first_op, first_op + op_count) (two when an expand conv and
// its depthwise conv run fused), the median of its time over the runs, and its cost for the batch
// (core/op_cost.h).
struct StepTime {
  int32_t first_op = 0;
  int32_t op_count = 1;
  double ms = 0;
  double flops = 0;
  double bytes = 0;
  double gemm_flops = 0;  // the part of flops done by the packed GEMM (core/op_cost.h)
};

struct RunProfile {
  std::vector<StepTime> steps;
  double run_ms = 0;  // median of the whole runs, clock reads included
  int32_t band_steps = 0;  // steps [0, band_steps) ran one image per thread (see CpuModel::profile)
};

class Model {
 public:
  static std::unique_ptr<Model> compile(const Plan& plan, const CompileOptions& options);
  virtual ~Model() = default;

  // input: batch * values[plan.input].size() floats, NHWC.
  // outputs[i]: batch * values[plan.outputs[i]].size() floats, or nullptr when that output is not
  // wanted this time (it is still computed; only the copy out is skipped).
  virtual void run(const float* input, int32_t batch, float* const* outputs) = 0;

  virtual const Plan& plan() const = 0;       // weights may be released after packing: shapes only
  virtual std::string kernel_name() const = 0;  // the level that runs: "reference", "generic", "avx2", "avx512", "neon"; or the CUDA backend's name
  virtual int32_t threads() const = 0;

  // `runs` runs of the batch exactly as run() does them, with a clock read around every step;
  // input as run(). The CPU backend only: the others throw kErrInvalidOption.
  virtual RunProfile profile(const float* input, int32_t batch, int32_t runs);
};

// Facts for `efficientnet info`.
struct RuntimeInfo {
  std::vector<std::string> cpu_features;  // e.g. {"avx2", "fma", "avx512f"}
  std::string cpu_kernels;                // what KernelSet::fast resolves to here
  std::string cpu_gemm_tile;              // its GEMM register tile, e.g. "8x3" (rows x vectors); "" if none
  std::vector<std::string> cpu_levels;    // every fast level this CPU can run (cpu_level values)
  bool bf16 = false;                      // precision 'bf16' runs here
  int32_t hardware_threads = 1;
};
RuntimeInfo runtime_info();

}  // namespace effnet
