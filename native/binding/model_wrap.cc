#include "binding/model_wrap.h"

#include <string>
#include <vector>

#include "binding/errors.h"
#include "binding/executor.h"
#include "binding/plan_convert.h"
#include "effnet/error.h"

namespace effnet::binding {
namespace {

constexpr int32_t kMaxBatch = 4096;

// Everything one run needs on both threads. Created and destroyed on the JS thread.
struct RunJob {
  std::shared_ptr<Model> model;
  const float* input = nullptr;
  int32_t batch = 0;
  std::vector<float*> outputs;
  Napi::Reference<Napi::Value> keep_input;
  std::vector<Napi::Reference<Napi::Value>> keep_outputs;
  Napi::Promise::Deferred deferred;
  bool ok = false;
  ErrorInfo error;
  explicit RunJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

void settle(Napi::Env env, Napi::Function, std::nullptr_t*, RunJob* raw) {
  std::unique_ptr<RunJob> job(raw);
  if (env == nullptr) {
    // The env is being torn down: JS handles can no longer be touched, so let them go unreleased.
    job->keep_input.SuppressDestruct();
    for (auto& r : job->keep_outputs) r.SuppressDestruct();
    return;
  }
  if (job->ok) {
    job->deferred.Resolve(env.Undefined());
  } else {
    job->deferred.Reject(make_error(env, job->error).Value());
  }
}
using SettleFn = Napi::TypedThreadSafeFunction<std::nullptr_t, RunJob, settle>;

Napi::Float32Array expect_f32(const Napi::Value& v, const std::string& what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw_type_error(v.Env(), "a Float32Array", what, v.IsTypedArray() ? "another typed array" : "a non-Float32Array value");
  }
  return v.As<Napi::Float32Array>();
}

// 'auto' takes the GPU when one is usable. fp16 is a storage format of the CUDA kernels only: the
// CPU computes in fp32, so asking the CPU for fp16 is an error rather than a silent upgrade.
std::unique_ptr<Model> compile_for_device(const Plan& plan, const CompileOptions& options,
                                          const DeviceOptions& device) {
  const bool cuda = device.device == DeviceChoice::cuda ||
                    (device.device == DeviceChoice::automatic && cuda_status().available);
  if (cuda) return compile_cuda(plan, CudaOptions{0, device.precision});
  if (device.precision != Precision::fp32) {
    throw Error(kErrInvalidOption, "precision 'fp16' needs device 'cuda'; the CPU kernels compute in fp32");
  }
  return Model::compile(plan, options);
}

}  // namespace

Napi::Function ModelWrap::define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {InstanceMethod<&ModelWrap::run>("run"), InstanceMethod<&ModelWrap::dispose>("dispose"),
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

// run(input: Float32Array, batch: number, outputs: Float32Array[]): Promise<void>
Napi::Value ModelWrap::run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) throw make_error(env, {kErrDisposed, "This model has been disposed; load it again to run it"});
  const Plan& plan = model_->plan();
  Napi::Float32Array input = expect_f32(info[0], "input");
  if (!info[1].IsNumber()) throw_type_error(env, "an integer batch size", "batch", "a non-number");
  double batch_d = info[1].As<Napi::Number>().DoubleValue();
  if (!(batch_d >= 1 && batch_d <= kMaxBatch) || batch_d != static_cast<int32_t>(batch_d)) {
    throw_range_error(env, "an integer from 1 to " + std::to_string(kMaxBatch), "batch",
                      info[1].ToString().Utf8Value());
  }
  const int32_t batch = static_cast<int32_t>(batch_d);
  const int64_t want_in = plan.values[plan.input].size() * batch;
  if (static_cast<int64_t>(input.ElementLength()) != want_in) {
    throw make_error(env, {kErrInputShape, "input holds " + std::to_string(input.ElementLength()) +
                                               " floats but batch " + std::to_string(batch) + " needs " +
                                               std::to_string(want_in)});
  }
  if (!info[2].IsArray() || info[2].As<Napi::Array>().Length() != plan.outputs.size()) {
    throw_type_error(env, "an array of " + std::to_string(plan.outputs.size()) + " Float32Arrays (or nulls)", "outputs",
                     "another value");
  }
  auto job = std::make_unique<RunJob>(env);
  Napi::Array outs = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < outs.Length(); ++i) {
    Napi::Value slot = outs.Get(i);
    if (slot.IsNull() || slot.IsUndefined()) {  // an output this caller does not want
      job->outputs.push_back(nullptr);
      continue;
    }
    Napi::Float32Array out = expect_f32(slot, "outputs[" + std::to_string(i) + "]");
    const int64_t want = plan.values[plan.outputs[i]].size() * batch;
    if (static_cast<int64_t>(out.ElementLength()) != want) {
      throw make_error(env, {kErrInputShape, "outputs[" + std::to_string(i) + "] holds " +
                                                 std::to_string(out.ElementLength()) + " floats but needs " +
                                                 std::to_string(want)});
    }
    job->outputs.push_back(out.Data());
    job->keep_outputs.push_back(Napi::Persistent(static_cast<Napi::Value>(out)));
  }
  job->model = model_;
  job->input = input.Data();
  job->batch = batch;
  job->keep_input = Napi::Persistent(static_cast<Napi::Value>(input));
  Napi::Promise promise = job->deferred.Promise();

  SettleFn tsfn = SettleFn::New(env, "efficientnet.run", 0, 1, nullptr);
  RunJob* raw = job.release();  // owned by the executor until settle() takes it back
  Executor::instance().post([raw, tsfn]() mutable {
    try {
      raw->model->run(raw->input, raw->batch, raw->outputs.data());
      raw->ok = true;
    } catch (...) {
      raw->error = current_exception_info();
    }
    raw->model.reset();  // a disposed model's memory goes now, not when JS gets around to settling
    if (tsfn.BlockingCall(raw) != napi_ok) {
      // The env is gone (process exit): nothing can settle the promise; drop the job quietly.
      std::unique_ptr<RunJob> orphan(raw);
      orphan->keep_input.SuppressDestruct();
      for (auto& r : orphan->keep_outputs) r.SuppressDestruct();
    }
    tsfn.Release();
  });
  return promise;
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
