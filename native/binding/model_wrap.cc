#include "binding/model_wrap.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "binding/errors.h"
#include "binding/executor.h"
#include "binding/model_job.h"
#include "binding/plan_convert.h"
#include "binding/profile_job.h"
#include "core/plan_check.h"  // kMaxBatch: the core's limit, checked here first for a JS RangeError
#include "effnet/error.h"

namespace effnet::binding {
namespace {

// One run (model_job.h); the results are copied into the caller's output arrays on the JS thread.
class RunJob final : public ModelJob {
 public:
  using ModelJob::ModelJob;

  // An output the caller wants (`floats` values into `out`), or a skipped one (`out` empty).
  void add_output(const Napi::Float32Array& out, size_t floats) {
    outputs_.push_back(Output{out.IsEmpty() ? Napi::Reference<Napi::Float32Array>()
                                            : Napi::Persistent(out),
                              floats, {}});
  }

  void abandon() noexcept override {
    for (auto& out : outputs_) out.array.SuppressDestruct();
  }

 protected:
  void work(Model& model, const float* input, int32_t batch) override {
    std::vector<float*> pointers;
    for (auto& out : outputs_) {
      if (!out.array.IsEmpty()) out.values.resize(out.floats);
      pointers.push_back(out.array.IsEmpty() ? nullptr : out.values.data());
    }
    model.run(input, batch, pointers.data());
  }

  void resolve(Napi::Env env, Napi::Promise::Deferred& deferred) override {
    for (auto& out : outputs_) {
      if (out.array.IsEmpty()) continue;
      Napi::Float32Array array = out.array.Value();
      std::copy(out.values.begin(), out.values.end(), array.Data());
    }
    deferred.Resolve(env.Undefined());
  }

 private:
  struct Output {
    Napi::Reference<Napi::Float32Array> array;  // empty: not wanted
    size_t floats;
    std::vector<float> values;  // filled on the executor thread
  };
  std::vector<Output> outputs_;
};

Napi::Float32Array expect_f32(const Napi::Value& v, const std::string& what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw_type_error(v.Env(), "a Float32Array", what, v.IsTypedArray() ? "another typed array" : "a non-Float32Array value");
  }
  return v.As<Napi::Float32Array>();
}

// The job's copy of the input, in the NHWC order the core reads. An NCHW input (c planes of
// h x w) is transposed while it is copied: one pass over the data, in C++ on the JS thread, in
// place of a JS loop before the copy. The buffer is not zero-filled first (every element is
// written here; for B0, 224 x 224, the fill was a few us of the NCHW call's ~110). The copy is
// most of what a run() call spends on the JS thread (bench/run-call.mjs: 13-15 us for a 32 x 32
// input, 80-100 us for 224 x 224): its source was usually pushed out of the caches by the previous run.
std::unique_ptr<float[]> input_copy(const Napi::Float32Array& input, const ValueDesc& in, int32_t batch, bool nchw) {
  const float* src = input.Data();
  const size_t n = input.ElementLength();
  std::unique_ptr<float[]> out(new float[n]);
  if (!nchw) {
    std::memcpy(out.get(), src, n * sizeof(float));
    return out;
  }
  const int64_t hw = int64_t(in.h) * in.w, c = in.c;
  for (int64_t i = 0; i < batch; ++i) {
    const float* s = src + i * hw * c;
    float* d = out.get() + i * hw * c;
    if (c == 3) {  // RGB, every network input: three sequential reads, one sequential write
      const float *r = s, *g = s + hw, *b = s + 2 * hw;
      for (int64_t p = 0; p < hw; ++p) {
        d[3 * p] = r[p];
        d[3 * p + 1] = g[p];
        d[3 * p + 2] = b[p];
      }
      continue;
    }
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t p = 0; p < hw; ++p) d[p * c + ch] = s[ch * hw + p];
    }
  }
  return out;
}

// 'auto' takes the GPU when one is usable. A precision the chosen backend lacks (fp16 on the CPU,
// bf16 on CUDA) is an error from that backend rather than a silent change of precision.
std::unique_ptr<Model> compile_for_device(const Plan& plan, const CompileOptions& options,
                                          const DeviceOptions& device) {
  const bool cuda = device.device == DeviceChoice::cuda ||
                    (device.device == DeviceChoice::automatic && cuda_status().available);
  if (cuda) return compile_cuda(plan, CudaOptions{0, options.precision});
  return Model::compile(plan, options);
}

}  // namespace

Napi::Function ModelWrap::define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {InstanceMethod<&ModelWrap::run>("run"), InstanceMethod<&ModelWrap::profile>("profile"),
                      InstanceMethod<&ModelWrap::dispose>("dispose"),
                      InstanceAccessor<&ModelWrap::kernels>("kernels"),
                      InstanceAccessor<&ModelWrap::threads>("threads"),
                      InstanceAccessor<&ModelWrap::disposed>("disposed")});
}

// new Model(plan, options): validates, packs the weights and picks the kernels, synchronously
// (a one-off cost at load; inference is what must stay off the JS thread).
ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw_type_error(env, "a plan object", "plan", "another value");
  guard(env, [&] {
    Plan plan = plan_from_js(info[0].As<Napi::Object>());
    CompileOptions options = compile_options_from_js(info[1]);
    DeviceOptions device = device_options_from_js(info[1]);
    int64_t bytes = 0;
    for (const auto& op : plan.ops) {
      bytes += int64_t(op.weight.size() + op.bias.size() + op.weight2.size() + op.bias2.size()) * 4;
    }
    model_ = compile_for_device(plan, options, device);
    // Tell V8 about the packed weights so its GC heuristics see what a model really costs.
    external_bytes_ = bytes;
    Napi::MemoryManagement::AdjustExternalMemory(env, external_bytes_);
  });
}

ModelWrap::~ModelWrap() { release_memory_accounting(); }

void ModelWrap::release_memory_accounting() {
  if (external_bytes_ != 0) {
    Napi::MemoryManagement::AdjustExternalMemory(Env(), -external_bytes_);
    external_bytes_ = 0;
  }
}

// The input of run() and profile(): a Float32Array of `batch` images of the plan's input.
struct CheckedInput {
  Napi::Float32Array data;
  int32_t batch;
};

CheckedInput check_input(Napi::Env env, const Plan& plan, const Napi::Value& input_v, const Napi::Value& batch_v) {
  Napi::Float32Array input = expect_f32(input_v, "input");
  if (!batch_v.IsNumber()) throw_type_error(env, "an integer batch size", "batch", "a non-number");
  double batch_d = batch_v.As<Napi::Number>().DoubleValue();
  if (!(batch_d >= 1 && batch_d <= kMaxBatch) || batch_d != static_cast<int32_t>(batch_d)) {
    throw_range_error(env, "an integer from 1 to " + std::to_string(kMaxBatch), "batch", batch_v.ToString().Utf8Value());
  }
  const int32_t batch = static_cast<int32_t>(batch_d);
  const int64_t want_in = plan.values[plan.input].size() * batch;
  if (static_cast<int64_t>(input.ElementLength()) != want_in) {
    throw make_error(env, {kErrInputShape, "input holds " + std::to_string(input.ElementLength()) +
                                               " floats but batch " + std::to_string(batch) + " needs " +
                                               std::to_string(want_in)});
  }
  return {input, batch};
}

// run(input: Float32Array, batch: number, outputs: Float32Array[], layout?: 'nhwc' | 'nchw'): Promise<void>
Napi::Value ModelWrap::run(const Napi::CallbackInfo& info) {
  // guard: node-addon-api turns only Napi::Error into a JS exception; a failed allocation (the
  // input's copy, the queue) must become ERR_OUT_OF_MEMORY, not leave the callback as a C++ exception.
  return guard(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!model_) throw make_error(env, {kErrDisposed, "This model has been disposed; load it again to run it"});
    const Plan& plan = model_->plan();
    const auto [input, batch] = check_input(env, plan, info[0], info[1]);
    if (!info[2].IsArray() || info[2].As<Napi::Array>().Length() != plan.outputs.size()) {
      throw_type_error(env, "an array of " + std::to_string(plan.outputs.size()) + " Float32Arrays (or nulls)", "outputs",
                       "another value");
    }
    bool nchw = false;
    if (!info[3].IsUndefined()) {
      const std::string layout = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
      if (layout != "nhwc" && layout != "nchw") throw_type_error(env, "'nhwc' or 'nchw'", "layout", describe(info[3]));
      nchw = layout == "nchw";
    }
    auto job = std::make_unique<RunJob>(env, model_, input_copy(input, plan.values[size_t(plan.input)], batch, nchw), batch);
    Napi::Array outs = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < outs.Length(); ++i) {
      Napi::Value slot = outs.Get(i);
      if (slot.IsNull() || slot.IsUndefined()) {  // an output this caller does not want
        job->add_output(Napi::Float32Array(), 0);
        continue;
      }
      Napi::Float32Array out = expect_f32(slot, "outputs[" + std::to_string(i) + "]");
      const int64_t want = plan.values[plan.outputs[i]].size() * batch;
      if (static_cast<int64_t>(out.ElementLength()) != want) {
        throw make_error(env, {kErrInputShape, "outputs[" + std::to_string(i) + "] holds " +
                                                   std::to_string(out.ElementLength()) + " floats but needs " +
                                                   std::to_string(want)});
      }
      job->add_output(out, size_t(want));
    }
    return submit_job(env, std::move(job));
  });
}

// profile(input: Float32Array, batch: number, runs: number): Promise<RunProfile> (profile_job.h)
Napi::Value ModelWrap::profile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) throw make_error(env, {kErrDisposed, "This model has been disposed; load it again to run it"});
  const auto [input, batch] = check_input(env, model_->plan(), info[0], info[1]);
  const double runs = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  if (!(runs >= 1 && runs <= 10000) || runs != static_cast<int32_t>(runs)) {
    throw_range_error(env, "an integer from 1 to 10000", "runs", info[2].ToString().Utf8Value());
  }
  return guard(env, [&] {  // as in run()
    return submit_profile(env, model_, input_copy(input, model_->plan().values[size_t(model_->plan().input)], batch, false),
                          batch, static_cast<int32_t>(runs));
  });
}

void ModelWrap::dispose(const Napi::CallbackInfo&) {
  model_.reset();
  release_memory_accounting();
}

Napi::Value ModelWrap::kernels(const Napi::CallbackInfo& info) {
  if (!model_) return info.Env().Null();
  return Napi::String::New(info.Env(), model_->kernel_name());
}

Napi::Value ModelWrap::threads(const Napi::CallbackInfo& info) {
  if (!model_) return info.Env().Null();
  return Napi::Number::New(info.Env(), model_->threads());
}

Napi::Value ModelWrap::disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !model_);
}

}  // namespace effnet::binding
