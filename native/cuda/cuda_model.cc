// The CUDA Model: compile = validate + pick the device + pack and upload every op's weights once;
// run = copy the input into pinned staging, replay this batch size's CUDA graph (the first run at a
// batch size runs the ops eagerly, then captures them), copy the outputs out of pinned staging.
//
// Storage types: in an fp16 model every feature map (the outputs of conv/dw/pw, the head map) is
// fp16; the small vectors (SE sums, gates, pooled features, logits) stay fp32 in both precisions.
// Values the plan reads without writing (the network input; gates and residuals in the op table)
// arrive as fp32 in a device staging buffer; a fp16 copy is made only for readers that want fp16
// (the stem reads the fp32 input directly, so a real network has no conversion).
//
// Memory: per batch size one device arena (one cudaMalloc) laid out by the CPU core's planner
// (core/memory_plan: values whose lifetimes do not overlap share space), planned in 4-byte units
// with fp16 values counted at half their channels, then the ops' scratch, the fp32 staging of fed
// values and fp32 copies of fp16 outputs; and one pinned host buffer for the input/output staging.
// The arena is filled with NaN once (0xff bytes, NaN in fp32 and fp16) so nothing can pass by
// reading stale zeros. Nothing is allocated per run after the first at a batch size.
//
// Errors: cudaErrorMemoryAllocation -> ERR_CUDA_OOM, and that batch's partial buffers are freed by
// their owners (the model stays usable at a smaller batch); a sticky error -> ERR_CUDA_LOST, and the
// model refuses every later run with the same reason (the CUDA context is dead for this process).
#include "cuda/cuda_model.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

#include "core/fp16_range.h"
#include "core/memory_plan.h"
#include "core/plan_check.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_raii.h"
#include "cuda/event_record.h"
#include "cuda/launch.h"
#include "effnet/error.h"

namespace effnet {
namespace {

using cuda::DType;

constexpr int64_t kRegionAlign = 256;  // bytes; every arena region starts on a 256-byte boundary

int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

std::string mib(int64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

void record_event(cudaEvent_t event, cudaStream_t stream, bool capturing) {
  switch (cuda::event_record_mode(capturing)) {
    case cuda::EventRecordMode::plain:
      EFFNET_CUDA_CHECK(cudaEventRecord(event, stream));
      break;
    case cuda::EventRecordMode::external_node:
      EFFNET_CUDA_CHECK(cudaEventRecordWithFlags(event, stream, cudaEventRecordExternal));
      break;
  }
}

class CudaModelImpl final : public CudaModel {
 public:
  CudaModelImpl(const Plan& plan, const CudaOptions& options, const std::vector<int32_t>& external)
      : device_(options.device), type_(options.precision == Precision::fp16 ? DType::f16 : DType::f32) {
    validate_plan_with_inputs(plan, external);
    check_cuda_precision(plan, options.precision);  // before any CUDA call: refused with or without a GPU
    select_device();
    stream_ = cuda::Stream::create();
    for (auto* e : {&total_start_, &total_stop_, &compute_start_, &compute_stop_}) *e = cuda::Event::create();

    fed_.push_back(plan.input);
    fed_.insert(fed_.end(), external.begin(), external.end());
    assign_storage_types(plan);
    for (size_t i = 0; i < plan.ops.size(); ++i) ops_.push_back(pack_and_upload(plan, i));
    // The uploads are queued on our stream. A pageable source is staged before cudaMemcpyAsync
    // returns (so each packed blob may be freed at once), but the DMA to the device may still be in
    // flight: wait for it here, and surface any copy error from construction, not the first run.
    EFFNET_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));

    plan_.values = plan.values;
    plan_.input = plan.input;
    plan_.outputs = plan.outputs;
    for (const OpEntry& e : ops_) plan_.ops.push_back(e.desc);
    // The planner's view: fp16 values take half the 4-byte units (rounded up per pixel).
    units_plan_ = plan_;
    for (size_t v = 0; v < plan_.values.size(); ++v) {
      if (dtype_[v] == DType::f16) units_plan_.values[v].c = (plan_.values[v].c + 1) / 2;
    }
  }

  ~CudaModelImpl() override {
    // Buffers are freed by their owners below; the work that uses them must be finished first.
    (void)cudaSetDevice(device_);
    if (stream_) (void)cudaStreamSynchronize(stream_.get());
  }

  void run(const float* input, int32_t batch, float* const* outputs) override {
    if (fed_.size() != 1) {
      throw Error(kErrInputShape, "this model reads " + std::to_string(fed_.size() - 1) +
                                      " values besides the input: use run_fed()");
    }
    const float* fed[1] = {input};
    run_fed(fed, batch, outputs);
  }

  void run_fed(const float* const* fed, int32_t batch, float* const* outputs) override {
    if (batch < 1 || batch > kMaxBatch) {
      throw Error(kErrInputShape, "batch = " + std::to_string(batch) + " must be 1 to " + std::to_string(kMaxBatch));
    }
    if (fed == nullptr) throw Error(kErrInputShape, "input buffer list is null");
    for (size_t i = 0; i < fed_.size(); ++i) {
      if (fed[i] == nullptr) throw Error(kErrInputShape, "input buffer " + std::to_string(i) + " is null");
    }
    if (outputs == nullptr) throw Error(kErrInputShape, "output buffer list is null");
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      if (outputs[i] == nullptr) throw Error(kErrInputShape, "output buffer " + std::to_string(i) + " is null");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (lost_) throw Error(kErrCudaLost, "this CUDA model is unusable after an earlier device error: " + lost_reason_);
    try {
      EFFNET_CUDA_CHECK(cudaSetDevice(device_));  // the current device is per host thread
      Arena& a = arena_for(batch);
      for (size_t i = 0; i < fed_.size(); ++i) {
        std::memcpy(a.host_fed[i], fed[i], size_t(elements(fed_[i], batch)) * sizeof(float));
      }
      EFFNET_CUDA_CHECK(cudaEventRecord(total_start_.get(), stream_.get()));
      if (poison_each_run_) poison(a, batch);
      if (a.graph) {
        EFFNET_CUDA_CHECK(cudaGraphLaunch(a.graph.get(), stream_.get()));
      } else {
        enqueue(a, batch, /*capturing=*/false);  // the first run, and every run after a failed capture
      }
      EFFNET_CUDA_CHECK(cudaEventRecord(total_stop_.get(), stream_.get()));
      EFFNET_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));  // kernel faults surface here
      float ms = 0;
      EFFNET_CUDA_CHECK(cudaEventElapsedTime(&ms, total_start_.get(), total_stop_.get()));
      last_total_ms_ = ms;
      EFFNET_CUDA_CHECK(cudaEventElapsedTime(&ms, compute_start_.get(), compute_stop_.get()));
      last_compute_ms_ = ms;
      for (size_t i = 0; i < plan_.outputs.size(); ++i) {
        std::memcpy(outputs[i], a.host_out[i], size_t(elements(plan_.outputs[i], batch)) * sizeof(float));
      }
      if (!a.graph && !a.graph_failed) capture(a, batch);
    } catch (const Error& e) {
      if (e.code() == kErrCudaLost) {
        lost_ = true;
        lost_reason_ = e.what();
      }
      throw;
    }
  }

  bool has_graph(int32_t batch) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = arenas_.find(batch);
    return it != arenas_.end() && bool(it->second.graph);
  }

  void set_poison_each_run(bool on) override {
    std::lock_guard<std::mutex> lock(mutex_);
    poison_each_run_ = on;
  }

  const Plan& plan() const override { return plan_; }
  std::string kernel_name() const override {
    return std::string("cuda-") + cuda::dtype_name(type_) + " sm_" + std::to_string(compute_capability_);
  }
  int32_t threads() const override { return 1; }  // one stream; the GPU's parallelism is not a thread count

  double last_total_ms() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_total_ms_;
  }
  double last_compute_ms() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_compute_ms_;
  }
  int64_t arena_bytes(int32_t batch) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = arenas_.find(batch);
    return it == arenas_.end() ? 0 : int64_t(it->second.device.bytes());
  }

 private:
  struct OpEntry {
    OpDesc desc;  // slots and shapes; the raw weights are released after packing
    ValueDesc in, out;
    cuda::DeviceBuffer w, b, w2, b2;
    int32_t hidden = 0;  // se_gate: Cr
  };

  struct Arena {
    cuda::DeviceBuffer device;
    cuda::PinnedBuffer host;
    std::vector<void*> value;         // per value id, in its storage type (fed fp16 values: their fp16 copy)
    std::vector<float*> staged;       // per value id: fp32 staging of a fed value, else null
    std::vector<float*> host_fed;     // per fed value: pinned fp32
    std::vector<float*> host_out;     // per output: pinned fp32
    std::vector<const float*> out_src;  // per output: fp32 device source of the copy to the host
    std::vector<float*> out_convert;  // per output: fp32 target of the fp16 -> fp32 conversion, or null
    uint8_t* scratch = nullptr;
    cuda::GraphExec graph;
    bool graph_failed = false;
  };

  void select_device() {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      (void)cudaGetLastError();
      throw Error(kErrCudaUnavailable, "no usable CUDA device: cudaGetDeviceCount failed: " + cuda::describe(err));
    }
    if (count == 0) throw Error(kErrCudaUnavailable, "no CUDA device");
    if (device_ < 0 || device_ >= count) {
      throw Error(kErrInvalidOption, "device = " + std::to_string(device_) + " but this machine has " +
                                         std::to_string(count) + " CUDA device(s)");
    }
    EFFNET_CUDA_CHECK(cudaSetDevice(device_));
    cudaDeviceProp prop{};
    EFFNET_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    compute_capability_ = prop.major * 10 + prop.minor;
    if (compute_capability_ < cuda::kMinComputeCapability) {
      throw Error(kErrCudaUnavailable, std::string("device ") + std::to_string(device_) + " (" + prop.name +
                                           ") has compute capability " + std::to_string(prop.major) + "." +
                                           std::to_string(prop.minor) + "; this build needs 7.5 or newer");
    }
  }

  cuda::DeviceBuffer upload(const std::vector<uint8_t>& blob) {
    cuda::DeviceBuffer buf(blob.size());
    if (!blob.empty()) {
      EFFNET_CUDA_CHECK(cudaMemcpyAsync(buf.get(), blob.data(), blob.size(), cudaMemcpyHostToDevice, stream_.get()));
    }
    return buf;
  }

  bool is_fed(int32_t v) const { return std::find(fed_.begin(), fed_.end(), v) != fed_.end(); }
  int64_t elements(int32_t v, int32_t batch) const { return plan_.values[size_t(v)].size() * batch; }

  // Feature maps take the model's storage type, vectors fp32. A value can only be both in an odd
  // plan (say a 1x1 map read by linear); fp16 cannot run that without a conversion op: refuse it.
  void assign_storage_types(const Plan& plan) {
    const size_t n = plan.values.size();
    std::vector<char> map_role(n, 0), vector_role(n, 0);
    auto mark = [](std::vector<char>& role, int32_t v) {
      if (v >= 0) role[size_t(v)] = 1;
    };
    for (const OpDesc& op : plan.ops) {
      switch (op.kind) {
        case OpKind::conv_bn_act:
          mark(map_role, op.x), mark(map_role, op.y);
          break;
        case OpKind::dwconv_bn_act:
          mark(map_role, op.x), mark(map_role, op.y), mark(vector_role, op.sums);
          break;
        case OpKind::se_gate:
          mark(vector_role, op.x), mark(vector_role, op.y);
          break;
        case OpKind::pwconv_bn_act:
          mark(map_role, op.x), mark(map_role, op.y), mark(map_role, op.residual), mark(vector_role, op.gate);
          break;
        case OpKind::head_pool:
          mark(map_role, op.x), mark(map_role, op.map), mark(vector_role, op.y);
          break;
        case OpKind::linear:
          mark(vector_role, op.x), mark(vector_role, op.y);
          break;
      }
    }
    dtype_.assign(n, DType::f32);
    needs_fp16_copy_.assign(n, 0);
    if (type_ == DType::f32) return;
    for (size_t v = 0; v < n; ++v) {
      if (map_role[v] && vector_role[v]) {
        throw Error(kErrInvalidOption, "precision fp16 cannot run this plan: value " + std::to_string(v) +
                                           " is both a feature map and a vector (SE/pool/classifier input); use fp32");
      }
      if (map_role[v]) dtype_[v] = DType::f16;
    }
    // A fed fp16 value needs its fp16 copy unless only the stem reads it (which takes fp32).
    for (const OpDesc& op : plan.ops) {
      for (int32_t v : {op.x, op.gate, op.residual}) {
        if (v < 0 || !is_fed(v) || dtype_[size_t(v)] != DType::f16) continue;
        if (!(op.kind == OpKind::conv_bn_act && v == op.x)) needs_fp16_copy_[size_t(v)] = 1;
      }
    }
    // A fed value that is also an output keeps its fp16 copy for its fp16 readers; the copy out to
    // the host reads the fp32 staging (Arena::out_src), so the output needs no conversion.
  }

  OpEntry pack_and_upload(const Plan& plan, size_t index) {
    const OpDesc& op = plan.ops[index];
    OpEntry e;
    e.in = plan.values[size_t(op.x)];
    e.out = plan.values[size_t(op.y)];
    cuda::HostPacked packed;
    try {
      switch (op.kind) {
        case OpKind::conv_bn_act:
          packed = cuda::pack_conv_bn_act(op, e.in, e.out);
          break;
        case OpKind::dwconv_bn_act:
          packed = cuda::pack_dwconv_bn_act(op, e.in);
          break;
        case OpKind::se_gate:
          packed = cuda::pack_se_gate(op, e.in);
          e.hidden = int32_t(int64_t(op.weight.size()) / e.in.c);
          break;
        case OpKind::pwconv_bn_act:
        case OpKind::head_pool:
          packed = cuda::pack_gemm_weights(op, dtype_[size_t(op.x)]);
          break;
        case OpKind::linear:
          packed = cuda::pack_linear(op);
          break;
      }
    } catch (const std::bad_alloc&) {
      throw Error(kErrOutOfMemory, "out of host memory while packing the weights of op " + std::to_string(index));
    }
    // Every upload is ordered on the model's stream (the constructor synchronizes it once at the end).
    // Not cudaMemcpy: that runs on the legacy default stream, which our non-blocking stream does not
    // wait for, and a pageable copy may return before the data has landed.
    e.w = upload(packed.w);
    e.b = upload(packed.b);
    e.w2 = upload(packed.w2);
    e.b2 = upload(packed.b2);
    e.desc = op;
    e.desc.weight.clear(), e.desc.bias.clear(), e.desc.weight2.clear(), e.desc.bias2.clear();
    e.desc.weight.shrink_to_fit(), e.desc.bias.shrink_to_fit(), e.desc.weight2.shrink_to_fit(), e.desc.bias2.shrink_to_fit();
    return e;
  }

  // ---- per-op parameters (one place, used by scratch sizing and by the launches) ----------------
  cuda::DwconvParams dwconv_params(const OpEntry& e, int32_t batch) const {
    const OpDesc& op = e.desc;
    return {batch, e.in.h, e.in.w, e.in.c, e.out.h, e.out.w, op.k, op.stride, op.pad[0], op.pad[1],
            cuda::dwconv_channel_stride(e.in.c), op.act, dtype_[size_t(op.x)]};
  }
  cuda::HeadPoolParams head_pool_params(const OpEntry& e, int32_t batch) const {
    return {batch, e.in.h * e.in.w, e.in.c, e.out.c, dtype_[size_t(e.desc.x)]};
  }
  int64_t scratch_bytes(const OpEntry& e, int32_t batch) const {
    switch (e.desc.kind) {
      case OpKind::dwconv_bn_act:
        return cuda::dwconv_bn_act_scratch_bytes(dwconv_params(e, batch), e.desc.sums >= 0);
      case OpKind::head_pool:
        return cuda::head_pool_scratch_bytes(head_pool_params(e, batch));
      default:
        return 0;
    }
  }

  Arena& arena_for(int32_t batch) {
    auto it = arenas_.find(batch);
    if (it != arenas_.end()) return it->second;
    int64_t scratch = 0;
    for (const OpEntry& e : ops_) scratch = std::max(scratch, scratch_bytes(e, batch));
    const MemoryLayout layout = plan_memory(units_plan_, batch, (scratch + 3) / 4);
    const size_t n = plan_.values.size();

    // Device regions after the planned values and scratch: fed staging (+ fp16 copies), output conversions.
    int64_t cursor = align_up(layout.total_floats * 4, kRegionAlign);
    std::vector<int64_t> staged_off(n, -1), copy_off(n, -1), convert_off(plan_.outputs.size(), -1);
    for (int32_t v : fed_) {
      staged_off[size_t(v)] = cursor;
      cursor = align_up(cursor + elements(v, batch) * 4, kRegionAlign);
      if (needs_fp16_copy_[size_t(v)]) {
        copy_off[size_t(v)] = cursor;
        cursor = align_up(cursor + elements(v, batch) * 2, kRegionAlign);
      }
    }
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      const int32_t v = plan_.outputs[i];
      if (!is_fed(v) && dtype_[size_t(v)] == DType::f16) {
        convert_off[i] = cursor;
        cursor = align_up(cursor + elements(v, batch) * 4, kRegionAlign);
      }
    }
    int64_t host_bytes = 0;
    for (int32_t v : fed_) host_bytes += align_up(elements(v, batch) * 4, 64);
    for (int32_t v : plan_.outputs) host_bytes += align_up(elements(v, batch) * 4, 64);

    Arena a;  // on a throw below, whatever was allocated is freed by its owner
    try {
      a.device = cuda::DeviceBuffer(size_t(cursor));
      a.host = cuda::PinnedBuffer(size_t(host_bytes));
    } catch (const Error& e) {
      if (e.code() != kErrCudaOom) throw;
      throw Error(kErrCudaOom, "batch " + std::to_string(batch) + " needs " + mib(cursor) + " of device memory and " +
                                   mib(host_bytes) + " of pinned host memory, which are not available (" + e.what() +
                                   "); use a smaller batch");
    }
    uint8_t* base = a.device.as<uint8_t>();
    a.value.assign(n, nullptr);
    a.staged.assign(n, nullptr);
    for (size_t v = 0; v < n; ++v) {
      if (layout.offset[v] >= 0) a.value[v] = base + layout.offset[v] * 4;
      if (staged_off[v] >= 0) {
        a.staged[v] = reinterpret_cast<float*>(base + staged_off[v]);
        a.value[v] = copy_off[v] >= 0 ? static_cast<void*>(base + copy_off[v]) : a.staged[v];
      }
    }
    a.scratch = base + layout.scratch_offset * 4;
    uint8_t* host = a.host.as<uint8_t>();
    for (int32_t v : fed_) {
      a.host_fed.push_back(reinterpret_cast<float*>(host));
      host += align_up(elements(v, batch) * 4, 64);
    }
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      const int32_t v = plan_.outputs[i];
      a.host_out.push_back(reinterpret_cast<float*>(host));
      host += align_up(elements(v, batch) * 4, 64);
      float* conv = convert_off[i] >= 0 ? reinterpret_cast<float*>(base + convert_off[i]) : nullptr;
      a.out_convert.push_back(conv);
      a.out_src.push_back(conv != nullptr ? conv : is_fed(v) ? a.staged[size_t(v)] : static_cast<const float*>(a.value[size_t(v)]));
    }
    // NaN everywhere (0xff bytes): a kernel that reads what nobody wrote shows up in the outputs.
    EFFNET_CUDA_CHECK(cudaMemsetAsync(a.device.get(), 0xff, a.device.bytes(), stream_.get()));
    EFFNET_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
    return arenas_.emplace(batch, std::move(a)).first->second;
  }

  // The debug hook (set_poison_each_run): NaN (0xff bytes) over the whole device arena and the pinned
  // outputs, ordered before this run's work on the stream. The pinned inputs are left alone: the
  // caller's data is already in them. The previous run has finished (run_fed synchronizes).
  void poison(Arena& a, int32_t batch) {
    EFFNET_CUDA_CHECK(cudaMemsetAsync(a.device.get(), 0xff, a.device.bytes(), stream_.get()));
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      std::memset(a.host_out[i], 0xff, size_t(elements(plan_.outputs[i], batch)) * sizeof(float));
    }
  }

  // Everything one run does on the device, in stream order (run eagerly, or captured into a graph).
  void enqueue(Arena& a, int32_t batch, bool capturing) {
    cudaStream_t s = stream_.get();
    for (size_t i = 0; i < fed_.size(); ++i) {
      const int32_t v = fed_[i];
      const int64_t count = elements(v, batch);
      EFFNET_CUDA_CHECK(cudaMemcpyAsync(a.staged[size_t(v)], a.host_fed[i], size_t(count) * 4, cudaMemcpyHostToDevice, s));
      if (needs_fp16_copy_[size_t(v)]) cuda::launch_convert(a.staged[size_t(v)], DType::f32, a.value[size_t(v)], DType::f16, count, s);
    }
    // External event nodes when captured, plain records when eager (cuda/event_record.h).
    record_event(compute_start_.get(), s, capturing);
    for (const OpEntry& e : ops_) enqueue_op(e, a, batch);
    record_event(compute_stop_.get(), s, capturing);
    for (size_t i = 0; i < plan_.outputs.size(); ++i) {
      const int32_t v = plan_.outputs[i];
      const int64_t count = elements(v, batch);
      if (a.out_convert[i] != nullptr) cuda::launch_convert(a.value[size_t(v)], DType::f16, a.out_convert[i], DType::f32, count, s);
      EFFNET_CUDA_CHECK(cudaMemcpyAsync(a.host_out[i], a.out_src[i], size_t(count) * 4, cudaMemcpyDeviceToHost, s));
    }
  }

  void enqueue_op(const OpEntry& e, Arena& a, int32_t batch) {
    const OpDesc& op = e.desc;
    cudaStream_t s = stream_.get();
    auto val = [&](int32_t v) -> void* { return v >= 0 ? a.value[size_t(v)] : nullptr; };
    auto f32 = [&](int32_t v) { return static_cast<float*>(val(v)); };
    switch (op.kind) {
      case OpKind::conv_bn_act: {
        // The stem reads a fed input from its fp32 staging (no fp16 copy needed).
        const bool staged = is_fed(op.x);
        const cuda::ConvParams p{batch, e.in.h, e.in.w, e.in.c, e.out.h, e.out.w, e.out.c, op.k, op.stride,
                                 op.pad[0], op.pad[1], op.act, staged ? DType::f32 : dtype_[size_t(op.x)],
                                 dtype_[size_t(op.y)]};
        const void* x = staged ? static_cast<const void*>(a.staged[size_t(op.x)]) : val(op.x);
        cuda::launch_conv_bn_act(p, {x, val(op.y), e.w.as<float>(), e.b.as<float>()}, s);
        break;
      }
      case OpKind::dwconv_bn_act:
        cuda::launch_dwconv_bn_act(dwconv_params(e, batch),
                                   {val(op.x), val(op.y), e.w.as<float>(), e.b.as<float>(), f32(op.sums),
                                    reinterpret_cast<float*>(a.scratch)},
                                   s);
        break;
      case OpKind::se_gate:
        cuda::launch_se_gate({batch, e.in.c, e.hidden, float(op.spatial)},
                             {f32(op.x), f32(op.y), e.w.as<float>(), e.b.as<float>(), e.w2.as<float>(), e.b2.as<float>()},
                             s);
        break;
      case OpKind::pwconv_bn_act:
        cuda::launch_pwconv_bn_act({int64_t(batch) * e.in.h * e.in.w, e.in.h * e.in.w, e.in.c, e.out.c, op.act,
                                    dtype_[size_t(op.x)]},
                                   {val(op.x), val(op.y), e.w.get(), e.b.as<float>(), f32(op.gate), val(op.residual)}, s);
        break;
      case OpKind::head_pool:
        cuda::launch_head_pool(head_pool_params(e, batch),
                               {val(op.x), f32(op.y), val(op.map), e.w.get(), e.b.as<float>(),
                                reinterpret_cast<float*>(a.scratch)},
                               s);
        break;
      case OpKind::linear:
        cuda::launch_linear({batch, e.in.c, e.out.c}, {f32(op.x), f32(op.y), e.w.as<float>(), e.b.as<float>()}, s);
        break;
    }
  }

  // Captures enqueue() into a graph for this batch size. A graph is an optimisation: if capture or
  // instantiation fails for a non-sticky reason, this batch size keeps running eagerly.
  void capture(Arena& a, int32_t batch) {
    // Thread-local mode: other threads' CUDA calls (other models) are not affected by our capture.
    EFFNET_CUDA_CHECK(cudaStreamBeginCapture(stream_.get(), cudaStreamCaptureModeThreadLocal));
    try {
      enqueue(a, batch, /*capturing=*/true);
    } catch (const Error& e) {
      cudaGraph_t partial = nullptr;
      (void)cudaStreamEndCapture(stream_.get(), &partial);  // ends the (now invalid) capture
      cuda::Graph drop(partial);
      (void)cudaGetLastError();
      if (e.code() == kErrCudaLost) throw;
      a.graph_failed = true;
      return;
    }
    cudaGraph_t raw = nullptr;
    cudaError_t err = cudaStreamEndCapture(stream_.get(), &raw);
    cuda::Graph graph(raw);
    cudaGraphExec_t exec = nullptr;
    if (err == cudaSuccess) err = cudaGraphInstantiate(&exec, graph.get(), 0);
    if (err != cudaSuccess) {
      if (cuda::is_sticky(err)) cuda::throw_cuda_error(err, "cudaStreamEndCapture/cudaGraphInstantiate", __FILE__, __LINE__);
      (void)cudaGetLastError();
      a.graph_failed = true;
      return;
    }
    a.graph = cuda::GraphExec(exec);
  }

  // Declared first so it is destroyed last (after the graphs and buffers that use it).
  cuda::Stream stream_;
  cuda::Event total_start_, total_stop_, compute_start_, compute_stop_;
  int device_ = 0;
  DType type_ = DType::f32;
  int compute_capability_ = 0;
  Plan plan_;        // shapes only
  Plan units_plan_;  // shapes in 4-byte units, for the memory planner
  std::vector<int32_t> fed_;  // plan input, then the external values
  std::vector<DType> dtype_;  // per value id
  std::vector<char> needs_fp16_copy_;  // per value id (fed values only)
  std::vector<OpEntry> ops_;
  std::map<int32_t, Arena> arenas_;
  mutable std::mutex mutex_;
  bool lost_ = false;
  bool poison_each_run_ = false;
  std::string lost_reason_;
  double last_total_ms_ = 0, last_compute_ms_ = 0;
};

}  // namespace

std::unique_ptr<CudaModel> compile_cuda_model(const Plan& plan, const CudaOptions& options,
                                              const std::vector<int32_t>& external) {
  try {
    return std::make_unique<CudaModelImpl>(plan, options, external);
  } catch (const std::bad_alloc&) {
    throw Error(kErrOutOfMemory, "out of host memory while compiling the CUDA model");
  }
}

std::unique_ptr<Model> compile_cuda(const Plan& plan, const CudaOptions& options) {
  return compile_cuda_model(plan, options);
}

}  // namespace effnet
