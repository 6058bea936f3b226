// The module's entry point: the only place that lists what the .node exports. (The op table's
// entry points are test code, in a separate test addon: native/test/op_cases_addon.cc.)
//   Model                       compiled plan (model_wrap.cc)
//   fingerprint                 hash of the native sources built in (native/fingerprint.js)
//   maxBatch                    the most images one run takes (the core's kMaxBatch)
//   info()                      CPU features and kernel levels (for `efficientnet info`)
//   savePlan(plan, path)        writes a plan for the no-Node tools in native/tools
//   resampleImage(src, params)  Pillow-exact resize (native/image), on libuv's pool
#include <napi.h>

// The fingerprint of the native sources this addon was built from (native/fingerprint.js): from a
// header CMake regenerates on every source change, or a define node-gyp passes.
#if defined(EFFNET_FINGERPRINT_HEADER)
#include EFFNET_FINGERPRINT_HEADER
#endif
#ifndef EFFNET_SOURCE_FINGERPRINT
#define EFFNET_SOURCE_FINGERPRINT "unknown"
#endif

#include "binding/addon_data.h"
#include "binding/bench_ops.h"
#include "binding/errors.h"
#include "binding/executor.h"
#include "binding/image_ops.h"
#include "binding/model_wrap.h"
#include "binding/plan_convert.h"
#include "core/plan_check.h"
#include "cpu/levels.h"
#include "effnet/cuda.h"
#include "effnet/error.h"
#include "effnet/model.h"
#include "effnet/plan.h"

namespace effnet::binding {
namespace {

Napi::Value info(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  return guard(env, [&] {
    RuntimeInfo ri = runtime_info();
    Napi::Object o = Napi::Object::New(env);
    Napi::Array features = Napi::Array::New(env, ri.cpu_features.size());
    for (size_t i = 0; i < ri.cpu_features.size(); ++i) features.Set(uint32_t(i), ri.cpu_features[i]);
    o.Set("cpuFeatures", features);
    o.Set("cpuKernels", ri.cpu_kernels);
    o.Set("cpuGemmTile", ri.cpu_gemm_tile);
    Napi::Array levels = Napi::Array::New(env, ri.cpu_levels.size());
    for (size_t i = 0; i < ri.cpu_levels.size(); ++i) levels.Set(uint32_t(i), ri.cpu_levels[i]);
    o.Set("cpuLevels", levels);
    const std::vector<std::string> compiled = compiled_levels();
    Napi::Array built = Napi::Array::New(env, compiled.size());
    for (size_t i = 0; i < compiled.size(); ++i) built.Set(uint32_t(i), compiled[i]);
    o.Set("cpuLevelsCompiled", built);
    o.Set("hardwareThreads", ri.hardware_threads);
    o.Set("bf16", ri.bf16);
    CudaStatus cs = cuda_status();
    Napi::Object cuda = Napi::Object::New(env);
    cuda.Set("compiled", cs.compiled);
    cuda.Set("available", cs.available);
    cuda.Set("reason", cs.reason);
    cuda.Set("deviceName", cs.device_name);
    cuda.Set("deviceCount", cs.device_count);
    cuda.Set("computeCapability", cs.compute_capability);
    o.Set("cuda", cuda);
    return static_cast<Napi::Value>(o);
  });
}

void save_plan_js(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  if (!cb[0].IsObject()) throw_type_error(env, "a plan object", "plan", "another value");
  if (!cb[1].IsString()) throw_type_error(env, "a file path", "path", "a non-string");
  guard(env, [&] {
    Plan plan = plan_from_js(cb[0].As<Napi::Object>());
    validate_plan(plan);
    save_plan(plan, cb[1].As<Napi::String>().Utf8Value());
  });
}

// process.exit() on the main thread skips the env cleanup hooks, but not the process 'exit' event
// (which also fires on an uncaught exception and an unhandled rejection): close there, so that no
// run is computing for this env while exit() tears the process down.
void close_on_exit(Napi::Env env, const std::shared_ptr<EnvQueue>& queue) {
  Napi::Value process = env.Global().Get("process");
  if (!process.IsObject()) return;
  Napi::Value on = process.As<Napi::Object>().Get("on");
  if (!on.IsFunction()) return;
  Napi::Function close = Napi::Function::New(env, [queue](const Napi::CallbackInfo&) { queue->close(); }, "closeEfficientNetQueue");
  on.As<Napi::Function>().Call(process, {Napi::String::New(env, "exit"), close});
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto data = std::make_unique<AddonData>();
  data->queue = std::make_shared<EnvQueue>(env);
  std::shared_ptr<EnvQueue> queue = data->queue;
  // Registered after the queue's delivery function exists, so it runs before that function's own
  // cleanup (hooks run in reverse order): close() still finds it alive.
  env.AddCleanupHook([queue] { queue->close(); });
  close_on_exit(env, queue);
  env.SetInstanceData(data.release());  // owned by the env from here; freed at its teardown
  exports.Set("Model", ModelWrap::define(env));
  exports.Set("fingerprint", Napi::String::New(env, EFFNET_SOURCE_FINGERPRINT));
  exports.Set("maxBatch", Napi::Number::New(env, kMaxBatch));
  exports.Set("info", Napi::Function::New<info>(env, "info"));
  exports.Set("savePlan", Napi::Function::New<save_plan_js>(env, "savePlan"));
  exports.Set("resampleImage", Napi::Function::New<resample_image>(env, "resampleImage"));
  register_bench_ops(env, exports);
  return exports;
}

}  // namespace effnet::binding

// NODE_API_MODULE pastes the name into an identifier, so it needs an unqualified one.
static Napi::Object InitEfficientNet(Napi::Env env, Napi::Object exports) {
  return effnet::binding::init(env, exports);
}
NODE_API_MODULE(efficientnet, InitEfficientNet)
