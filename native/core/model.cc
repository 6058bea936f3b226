// The CPU Model: compile = validate + pick a kernel level + pack weights; run = execute the ops in
// order in one arena shared by all batch sizes. After the first run at a batch size, run() allocates nothing:
// its layout and pointer table are made on that first run (growing the arena if it is the largest yet),
// the op list is fixed, and parallel_for keeps its job on the stack.
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <thread>

#include "core/compiled_op.h"
#include "core/memory_plan.h"
#include "core/plan_check.h"
#include "core/thread_pool.h"
#include "cpu/levels.h"
#include "effnet/error.h"
#include "effnet/model.h"

namespace effnet {
namespace {

std::string mib(int64_t floats) {
  return std::to_string((floats * int64_t(sizeof(float)) + (1 << 20) - 1) >> 20) + " MiB";
}

int32_t hardware_threads() { return std::max(1, int32_t(std::thread::hardware_concurrency())); }

class CpuModel final : public Model {
 public:
  CpuModel(const Plan& plan, const CompileOptions& options) {
    if (options.threads < 0) throw Error(kErrInvalidOption, "threads = " + std::to_string(options.threads) + " must be >= 0");
    validate_plan(plan);
    kernels_ = &select_kernels(options.kernels, options.cpu_level);
    threads_ = options.threads > 0 ? options.threads : hardware_threads();
    if (kernels_ != &reference_kernels()) threads_ = std::min(threads_, ThreadPool::instance().capacity());
    try {
      ops_.reserve(plan.ops.size());
      for (size_t i = 0; i < plan.ops.size(); ++i) ops_.push_back(compile_op(plan, i, *kernels_));
      // Keep shapes only: the packed copies are all the kernels need.
      plan_.values = plan.values;
      plan_.input = plan.input;
      plan_.outputs = plan.outputs;
      plan_.ops.reserve(ops_.size());
      for (const CompiledOp& op : ops_) plan_.ops.push_back(op.desc);
    } catch (const std::bad_alloc&) {
      int64_t weights = 0;
      for (const OpDesc& op : plan.ops) weights += int64_t(op.weight.size() + op.bias.size() + op.weight2.size() + op.bias2.size());
      throw Error(kErrOutOfMemory, "out of memory while packing the weights (" + mib(weights) + " of them)");
    }
  }

  void run(const float* input, int32_t batch, float* const* outputs) override {
    if (batch < 1 || batch > kMaxBatch) {
      throw Error(kErrInputShape, "batch = " + std::to_string(batch) + " must be 1 to 4096");
    }
    if (input == nullptr) throw Error(kErrInputShape, "input buffer is null");
    if (outputs == nullptr) throw Error(kErrInputShape, "output buffer list is null");
    std::lock_guard<std::mutex> lock(mutex_);
    BatchLayout& arena = arena_for(batch);
    arena.values[size_t(plan_.input)] = const_cast<float*>(input);  // read in place, never written (validated)
    const int32_t threads = kernels_ == &reference_kernels() ? 1 : threads_;
    for (const CompiledOp& op : ops_) run_op(op, arena.values.data(), batch, threads, arena.scratch);
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      if (outputs[i] == nullptr) continue;  // not wanted by this caller (e.g. feature maps)
      const int32_t v = plan_.outputs[i];
      std::memcpy(outputs[i], arena.values[size_t(v)], size_t(plan_.values[size_t(v)].size() * batch) * sizeof(float));
    }
  }

  const Plan& plan() const override { return plan_; }
  std::string kernel_name() const override { return kernels_->level; }
  int32_t threads() const override { return threads_; }

 private:
  // Where each value lives for one batch size. Every batch size gets its own layout (offsets
  // scale with the batch), but all share ONE arena sized for the largest batch seen: runs are
  // serialized, so a batch-1 run can use the batch-8 arena's memory. Dynamic batching (sizes 1..8
  // in turn) would otherwise hold eight arenas at once.
  struct BatchLayout {
    MemoryLayout layout;
    std::vector<float*> values;  // per value id, into arena_
    float* scratch = nullptr;
  };

  void bind(BatchLayout& b) {
    for (size_t v = 0; v < plan_.values.size(); ++v) {
      b.values[v] = b.layout.offset[v] >= 0 ? arena_.data() + b.layout.offset[v] : nullptr;
    }
    b.scratch = arena_.data() + b.layout.scratch_offset;
  }

  BatchLayout& arena_for(int32_t batch) {
    auto it = layouts_.find(batch);
    if (it != layouts_.end()) return it->second;
    int64_t scratch = 0;
    for (const CompiledOp& op : ops_) scratch = std::max(scratch, op_scratch_floats(op, batch));
    BatchLayout fresh;
    fresh.layout = plan_memory(plan_, batch, scratch);
    const int64_t need = fresh.layout.total_floats;
    try {
      fresh.values.assign(plan_.values.size(), nullptr);
      if (need > arena_.size()) {
        // Grow: the old arena stays until the new one exists, so a failed growth leaves the model
        // usable at the batch sizes it already ran.
        AlignedBuffer bigger(need);
        arena_ = std::move(bigger);
        for (auto& [b, known] : layouts_) bind(known);
      }
      bind(fresh);
      return layouts_.emplace(batch, std::move(fresh)).first->second;
    } catch (const std::bad_alloc&) {
      throw Error(kErrOutOfMemory, "the activation arena needs " + mib(need) + " for batch " +
                                       std::to_string(batch) + " and that memory is not available; use a smaller batch");
    }
  }

  Plan plan_;
  std::vector<CompiledOp> ops_;
  const CpuKernels* kernels_ = nullptr;
  int32_t threads_ = 1;
  std::mutex mutex_;
  std::map<int32_t, BatchLayout> layouts_;
  AlignedBuffer arena_;
};

}  // namespace

std::unique_ptr<Model> Model::compile(const Plan& plan, const CompileOptions& options) {
  try {
    return std::make_unique<CpuModel>(plan, options);
  } catch (const std::bad_alloc&) {
    throw Error(kErrOutOfMemory, "out of memory while compiling the model");
  }
}

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.cpu_features = cpu_features();
  info.cpu_kernels = auto_kernels().level;
  for (const CpuKernels* k : runnable_levels()) info.cpu_levels.push_back(k->level);
  info.hardware_threads = hardware_threads();
  return info;
}

}  // namespace effnet
