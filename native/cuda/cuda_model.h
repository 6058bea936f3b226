// The CUDA Model behind compile_cuda(), with the two extra entry points the no-Node tools need.
// Host-only (no CUDA types): effnet_cuda includes it.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "effnet/cuda.h"
#include "effnet/model.h"

namespace effnet {

class CudaModel : public Model {
 public:
  // run() with every value the plan reads without writing it fed from the host: fed[0] is the plan
  // input, fed[1 + i] the value external[i] given to compile_cuda_model (the op-case harness feeds
  // gates and residuals this way, as check_op_case does for the CPU). Same shapes and errors as run().
  virtual void run_fed(const float* const* fed, int32_t batch, float* const* outputs) = 0;

  // Device time of the last run, from CUDA events on the model's stream (milliseconds): the whole
  // graph (input copy, conversions, ops, output copy) and the ops alone.
  virtual double last_total_ms() const = 0;
  virtual double last_compute_ms() const = 0;
  // Device bytes of the arena for `batch` (activations, scratch, staging), 0 before its first run.
  virtual int64_t arena_bytes(int32_t batch) const = 0;
  // Whether runs at `batch` replay a captured CUDA graph (false before the first run, and when the
  // capture failed and that batch size runs eagerly).
  virtual bool has_graph(int32_t batch) const = 0;

  // Debug hook for the checkers (off by default; costs one memset of the arena per run): before
  // every run, fill the device arena and the pinned output staging with NaN, so that a result the
  // run did not compute and copy (a graph missing a node or a copy, a kernel skipping a tail) shows
  // up as NaN instead of a stale, correct-looking value from an earlier run.
  virtual void set_poison_each_run(bool on) = 0;
};

// compile_cuda(), plus values fed from outside (see run_fed). external must be empty for real plans.
std::unique_ptr<CudaModel> compile_cuda_model(const Plan& plan, const CudaOptions& options,
                                              const std::vector<int32_t>& external = {});

}  // namespace effnet
