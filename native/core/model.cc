// The CPU Model: compile = validate + pick a kernel level + pack weights; run = execute the ops in
// order in one arena shared by all batch sizes. After the first run at a batch size, run() allocates nothing:
// its layout and pointer table are made on that first run (growing the arena if it is the largest yet),
// the op list is fixed, and parallel_for keeps its job on the stack.
// Two execution strategies change the order of work, never the plan: expand -> dwconv pairs run as
// one fused step (cpu/expand_dw.h; only its SE sums round differently), and at batch > 1 the early,
// memory-heavy ops run one image at a time (the per-image band, core/memory_plan.h; bit-identical),
// one image per thread with single-threaded ops (no sync per op; faster than splitting each op over
// the threads: bench/RESULTS.md, "Measurements behind native constants"), batch % threads leftover
// images with every thread.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <thread>

#include "core/compiled_op.h"
#include "core/fp16_range.h"
#include "core/op_cost.h"
#include "core/memory_plan.h"
#include "core/plan_check.h"
#include "core/prefetch_plan.h"
#include "core/thread_pool.h"
#include "cpu/expand_dw.h"
#include "cpu/levels.h"
#include "effnet/error.h"
#include "effnet/model.h"

namespace effnet {
namespace {

std::string mib(int64_t floats) {
  return std::to_string((floats * int64_t(sizeof(float)) + (1 << 20) - 1) >> 20) + " MiB";
}

// A batched op whose input + output exceed this runs per image instead (CpuModel::band_end_for):
// a quarter of a 32 MiB L3, leaving room for the weights, the next op's output and other processes
// (measured: bench/RESULTS.md, "Measurements behind native constants").
constexpr int64_t kBandBytes = int64_t(8) << 20;
// Images per pass through the band: 1, the least memory, since larger groups are no faster (same
// section of bench/RESULTS.md).
constexpr int32_t kBandImages = 1;

int32_t hardware_threads() { return std::max(1, int32_t(std::thread::hardware_concurrency())); }

class CpuModel final : public Model {
 public:
  CpuModel(const Plan& plan, const CompileOptions& options) {
    if (options.threads < 0) throw Error(kErrInvalidOption, "threads = " + std::to_string(options.threads) + " must be >= 0");
    validate_plan(plan);
    kernels_ = &select_kernels(options.kernels, options.cpu_level, options.precision);
    if (options.precision == Precision::bf16) check_bf16_weights(plan);
    threads_ = options.threads > 0 ? options.threads : hardware_threads();
    // The reference kernels are the oracle: plain loops on the calling thread.
    threads_ = kernels_ == &reference_kernels() ? 1 : std::min(threads_, ThreadPool::instance().capacity());
    try {
      ops_.reserve(plan.ops.size());
      for (size_t i = 0; i < plan.ops.size(); ++i) ops_.push_back(compile_op(plan, i, *kernels_));
      // Keep shapes only: the packed copies are all the kernels need.
      plan_.values = plan.values;
      plan_.input = plan.input;
      plan_.outputs = plan.outputs;
      plan_.ops.reserve(ops_.size());
      for (const CompiledOp& op : ops_) plan_.ops.push_back(op.desc);
      plan_steps();
      plan_prefetch();
    } catch (const std::bad_alloc&) {
      int64_t weights = 0;
      for (const OpDesc& op : plan.ops) weights += int64_t(op.weight.size() + op.bias.size() + op.weight2.size() + op.bias2.size());
      throw Error(kErrOutOfMemory, "out of memory while packing the weights (" + mib(weights) + " of them)");
    }
  }

  void run(const float* input, int32_t batch, float* const* outputs) override {
    std::lock_guard<std::mutex> lock(mutex_);
    execute(input, batch, outputs, nullptr);
  }

  RunProfile profile(const float* input, int32_t batch, int32_t runs) override {
    if (runs < 1) throw Error(kErrInvalidOption, "runs = " + std::to_string(runs) + " must be >= 1");
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::vector<float>> outs;
    std::vector<float*> out_ptrs;
    for (int32_t v : plan_.outputs) {
      outs.emplace_back(size_t(plan_.values[size_t(v)].size() * batch));
      out_ptrs.push_back(outs.back().data());
    }
    execute(input, batch, out_ptrs.data(), nullptr);  // warm-up: the arena exists, caches are warm
    StepClock clock;
    clock.lane_ms.assign(size_t(std::max(1, threads_)), std::vector<double>(steps_.size(), 0.0));
    std::vector<std::vector<double>> step_ms(steps_.size());
    std::vector<double> run_ms;
    for (int32_t r = 0; r < runs; ++r) {
      clock.ms.assign(steps_.size(), 0.0);
      for (auto& lane : clock.lane_ms) std::fill(lane.begin(), lane.end(), 0.0);
      const auto t0 = std::chrono::steady_clock::now();
      execute(input, batch, out_ptrs.data(), &clock);
      run_ms.push_back(ms_since(t0));
      for (size_t i = 0; i < steps_.size(); ++i) step_ms[i].push_back(clock.ms[i]);
    }
    RunProfile out;
    out.run_ms = median(run_ms);
    out.band_steps = clock.band_steps;
    for (size_t i = 0; i < steps_.size(); ++i) {
      const Step& s = steps_[i];
      const CompiledOp& op = ops_[size_t(s.first)];
      const OpCost cost = s.fused == nullptr ? op_cost(op, batch) : fused_expand_dw_cost(op, ops_[size_t(s.first) + 1], batch);
      out.steps.push_back({s.first, s.fused == nullptr ? 1 : 2, median(step_ms[i]), cost.flops, cost.bytes, cost.gemm_flops});
    }
    return out;
  }

  const Plan& plan() const override { return plan_; }
  std::string kernel_name() const override { return kernels_->level; }
  int32_t threads() const override { return threads_; }

 private:
  // Where a profiled run puts its step times (ms), per step of steps_.
  struct StepClock {
    std::vector<double> ms;
    // The per-image band: what each lane spent in each step, summed over its images.
    std::vector<std::vector<double>> lane_ms;
    int32_t band_steps = 0;
  };

  static double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }

  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  }

  // One run (the caller holds mutex_). With a clock, each step's time is added to clock->ms: in the
  // per-image band, where lanes run different images side by side, the band's wall time is shared
  // out by each step's part of the lanes' summed time.
  void execute(const float* input, int32_t batch, float* const* outputs, StepClock* clock) {
    if (batch < 1 || batch > kMaxBatch) {
      throw Error(kErrInputShape, "batch = " + std::to_string(batch) + " must be 1 to 4096");
    }
    if (input == nullptr) throw Error(kErrInputShape, "input buffer is null");
    if (outputs == nullptr) throw Error(kErrInputShape, "output buffer list is null");
    BatchLayout& arena = arena_for(batch);
    arena.values[size_t(plan_.input)] = const_cast<float*>(input);  // read in place, never written (validated)
    const int32_t threads = threads_;
    // Runs step i; with `spent`, adds its time there.
    auto exec = [&](size_t i, float* const* values, int32_t b, int32_t thr, float* scratch, double* spent) {
      const Step& s = steps_[i];
      const CompiledOp& op = ops_[size_t(s.first)];
      const auto t0 = spent != nullptr ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
      if (s.fused == nullptr) {
        run_op(op, values, b, thr, scratch, &ahead_[i]);
      } else {
        s.fused(kernel_args(op, values, b, thr, scratch), kernel_args(ops_[size_t(s.first) + 1], values, b, thr, scratch));
      }
      if (spent != nullptr) *spent += ms_since(t0);
    };
    auto step_clock = [&](size_t i) { return clock != nullptr ? &clock->ms[i] : nullptr; };
    size_t step = 0;
    if (arena.band_end > 0) {
      for (; step < steps_.size() && steps_[step].first < arena.band_end; ++step) {}
      // Image n's slice of every value the band touches, in lane `lane`'s buffers (values sized
      // for one image per lane have stride 0 and sit lane after lane).
      auto bind_image = [&](int32_t lane, int64_t n) {
        std::vector<float*>& bv = arena.lane_values[size_t(lane)];
        for (size_t v = 0; v < arena.values.size(); ++v) {
          float* base = arena.values[v];
          const int64_t stride = arena.layout.image_stride[v];
          bv[v] = base == nullptr ? nullptr : stride > 0 ? base + n * stride : base + lane * arena.layout.lane_stride;
        }
        return bv.data();
      };
      // Whole rounds of `lanes` images: one thread per image, each op single-threaded (no sync per
      // op); kernels give the same bits for any thread count, so this matches the batched path.
      const int32_t lanes = arena.lanes;
      const int32_t parallel = lanes > 1 ? batch - batch % lanes : 0;
      if (clock != nullptr) clock->band_steps = int32_t(step);
      if (parallel > 0) {
        const auto t0 = clock != nullptr ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
        parallel_for(parallel, lanes, [&](int64_t n, int32_t lane) {
          float* const* values = bind_image(lane, n);
          float* scratch = arena.scratch + lane * arena.lane_scratch;
          for (size_t i = 0; i < step; ++i) exec(i, values, 1, 1, scratch, clock != nullptr ? &clock->lane_ms[size_t(lane)][i] : nullptr);
        });
        if (clock != nullptr) share_band_time(*clock, step, lanes, ms_since(t0));
      }
      // The rest one image at a time, each op over all threads.
      for (int32_t n = parallel; n < batch; ++n) {
        float* const* values = bind_image(0, n);
        for (size_t i = 0; i < step; ++i) exec(i, values, 1, threads, arena.scratch, step_clock(i));
      }
    }
    for (; step < steps_.size(); ++step) exec(step, arena.values.data(), batch, threads, arena.scratch, step_clock(step));
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      if (outputs[i] == nullptr) continue;  // not wanted by this caller (e.g. feature maps)
      const int32_t v = plan_.outputs[i];
      std::memcpy(outputs[i], arena.values[size_t(v)], size_t(plan_.values[size_t(v)].size() * batch) * sizeof(float));
    }
  }

  // The band's wall time shared out to its steps [0, steps) by their part of the lanes' time.
  static void share_band_time(StepClock& clock, size_t steps, int32_t lanes, double wall_ms) {
    double total = 0;
    for (int32_t l = 0; l < lanes; ++l) {
      for (size_t i = 0; i < steps; ++i) total += clock.lane_ms[size_t(l)][i];
    }
    if (total <= 0) return;
    for (size_t i = 0; i < steps; ++i) {
      double spent = 0;
      for (int32_t l = 0; l < lanes; ++l) spent += clock.lane_ms[size_t(l)][i];
      clock.ms[i] += wall_ms * spent / total;
    }
  }

  // Where each value lives for one batch size. Every batch size gets its own layout (offsets
  // scale with the batch), but all share ONE arena sized for the largest batch seen: runs are
  // serialized, so a batch-1 run can use the batch-8 arena's memory. Dynamic batching (sizes 1..8
  // in turn) would otherwise hold eight arenas at once.
  struct BatchLayout {
    MemoryLayout layout;
    std::vector<float*> values;  // per value id, into arena_
    float* scratch = nullptr;
    int32_t band_end = 0;  // ops [0, band_end) run one image at a time (memory_plan.h)
    int32_t lanes = 1;     // images in the band at once, one per thread
    int64_t lane_scratch = 0;                     // floats of scratch per lane
    std::vector<std::vector<float*>> lane_values;  // per lane: its current image's pointers in the band
  };

  // The per-image band for a batch size: every op up to the last one whose input + output, at this
  // batch size, would not sit in cache next to the weights and the other core's work. Those are
  // the early, wide layers (B0: 112x112 and 56x56), where per-image passes keep each image's
  // activations in L2/L3; later ops stay batched (their weights are then read once per batch).
  // Per-image results are bit-identical to batched ones (kernels never mix images), so this only
  // changes the speed.
  int32_t band_end_for(int32_t batch) const {
    if (batch < 2 || kernels_ == &reference_kernels()) return 0;
    int32_t end = 0;
    for (size_t i = 0; i < ops_.size(); ++i) {
      const CompiledOp& op = ops_[i];
      if (op.desc.kind == OpKind::head_pool || op.desc.kind == OpKind::linear) break;
      const int64_t bytes = (op.in.size() + op.out.size()) * batch * int64_t(sizeof(float));
      if (bytes > kBandBytes) end = int32_t(i) + 1;
    }
    for (const Step& s : steps_) {
      if (s.fused != nullptr && s.first + 1 == end) ++end;  // never split a fused pair
    }
    return end;
  }

  // What each step prefetches of the weights after it (core/prefetch_plan.h): steps whose kernel
  // prefetches (OpKernel::prefetches; fused pairs do not).
  void plan_prefetch() {
    std::vector<WeightSpan> spans;
    std::vector<bool> fetches(steps_.size());
    for (size_t i = 0; i < steps_.size(); ++i) {
      fetches[i] = steps_[i].fused == nullptr && ops_[size_t(steps_[i].first)].kernel->prefetches;
      const int32_t first = steps_[i].first, last = steps_[i].fused != nullptr ? first + 1 : first;
      for (int32_t o = first; o <= last; ++o) {
        const PackedWeights& w = ops_[size_t(o)].packed;
        for (const AlignedBuffer* b : {&w.w, &w.w2}) {  // biases: a few KB, left to the hardware
          if (b->size() > 0) spans.push_back({reinterpret_cast<const char*>(b->data()), b->size() * int64_t(sizeof(float)), int32_t(i)});
        }
      }
    }
    ahead_ = plan_ahead(spans, fetches, kAheadBytes);
  }

  // One thing run() does: plan op `first`, or, with `fused`, ops first and first + 1 as one step.
  struct Step {
    int32_t first = 0;
    ExpandDwFn fused = nullptr;
  };

  // Finds expand -> dwconv pairs to run fused (cpu/expand_dw.h): a pwconv_bn_act without gate or
  // residual whose output is read by the next op, a dwconv_bn_act, and by nothing else (nor copied
  // out), when the level has the fused kernel and the expanded tensor is big enough to matter.
  void plan_steps() {
    const ExpandDwFn fused = kernels_->expand_dw;
    std::vector<int32_t> readers(plan_.values.size(), 0);
    for (const OpDesc& op : plan_.ops) {
      for (int32_t v : {op.x, op.gate, op.residual}) {
        if (v >= 0) ++readers[size_t(v)];
      }
    }
    for (int32_t v : plan_.outputs) readers[size_t(v)] += 2;
    steps_.clear();
    for (size_t i = 0; i < ops_.size(); ++i) {
      const OpDesc& a = ops_[i].desc;
      const bool pair = fused != nullptr && i + 1 < ops_.size() && a.kind == OpKind::pwconv_bn_act && a.gate < 0 &&
                        a.residual < 0 && ops_[i + 1].desc.kind == OpKind::dwconv_bn_act && ops_[i + 1].desc.x == a.y &&
                        readers[size_t(a.y)] == 1 && expand_dw_worth_it(ops_[i].out);
      steps_.push_back({int32_t(i), pair ? fused : nullptr});
      if (pair) ++i;
    }
  }

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
    for (const Step& s : steps_) {
      if (s.fused == nullptr) continue;
      const CompiledOp& dw = ops_[size_t(s.first) + 1];
      scratch = std::max(scratch, expand_dw_scratch(dw.desc, dw.in, dw.out, batch));
    }
    BatchLayout fresh;
    fresh.band_end = band_end_for(batch);
    if (fresh.band_end > 0) {
      fresh.lanes = std::max(1, std::min(threads_, batch));
      int64_t lane = 0;
      for (int32_t i = 0; i < fresh.band_end; ++i) lane = std::max(lane, op_scratch_floats(ops_[size_t(i)], 1));
      for (const Step& s : steps_) {
        if (s.fused == nullptr || s.first >= fresh.band_end) continue;
        const CompiledOp& dw = ops_[size_t(s.first) + 1];
        lane = std::max(lane, expand_dw_scratch(dw.desc, dw.in, dw.out, 1));
      }
      fresh.lane_scratch = align_floats(lane);
      if (fresh.lanes > 1) scratch = std::max(scratch, fresh.lane_scratch * fresh.lanes);
    }
    std::vector<int32_t> fused_first;
    for (const Step& s : steps_) {
      if (s.fused != nullptr) fused_first.push_back(s.first);
    }
    fresh.layout = plan_memory(plan_, batch, scratch, fresh.band_end, fused_first, kBandImages, fresh.lanes);
    if (fresh.band_end > 0) fresh.lane_values.assign(size_t(fresh.lanes), std::vector<float*>(plan_.values.size(), nullptr));
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
  std::vector<Step> steps_;
  std::vector<Ahead> ahead_;  // per step (plan_prefetch)
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

RunProfile Model::profile(const float*, int32_t, int32_t) {
  throw Error(kErrInvalidOption, "profiles are measured on the CPU backend only (this model runs on " + kernel_name() + ")");
}

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::fp16: return "fp16";
    case Precision::bf16: return "bf16";
    default: return "fp32";
  }
}

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.cpu_features = cpu_features();
  info.cpu_kernels = auto_kernels().level;
  const GemmTile tile = auto_kernels().gemm_tile;
  if (tile.rows > 0) info.cpu_gemm_tile = std::to_string(tile.rows) + "x" + std::to_string(tile.vectors);
  for (const CpuKernels* k : runnable_levels()) info.cpu_levels.push_back(k->level);
  info.hardware_threads = hardware_threads();
  info.bf16 = bf16_supported();
  return info;
}

}  // namespace effnet
