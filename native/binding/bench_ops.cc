#include "binding/bench_ops.h"

#include "binding/errors.h"
#include "core/peak.h"

namespace effnet::binding {
namespace {

// measurePeak(seconds) -> { level, lanes, chains, gflopsOneThread[], gflopsPerCore, threads,
// gflopsAll, bf16GflopsPerCore, bf16GflopsAll, readGBs, copyGBs, bufferBytes }. Synchronous: it occupies every core on purpose, and
// only the bench calls it.
Napi::Value measure_peak_js(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  if (!cb[0].IsNumber()) throw_type_error(env, "a number of seconds", "seconds", "another value");
  const double seconds = cb[0].As<Napi::Number>().DoubleValue();
  if (!(seconds > 0 && seconds <= 600)) throw_type_error(env, "seconds in (0, 600]", "seconds", "a value out of range");
  return guard(env, [&] {
    const PeakResult r = measure_peak(seconds);
    Napi::Object o = Napi::Object::New(env);
    o.Set("level", r.level);
    o.Set("lanes", r.lanes);
    o.Set("chains", r.chains);
    Napi::Array one = Napi::Array::New(env, r.gflops_one.size());
    for (size_t i = 0; i < r.gflops_one.size(); ++i) one.Set(uint32_t(i), r.gflops_one[i]);
    o.Set("gflopsOneThread", one);
    o.Set("gflopsPerCore", r.gflops_per_core);
    o.Set("threads", r.threads);
    o.Set("gflopsAll", r.gflops_all);
    o.Set("bf16GflopsPerCore", r.bf16_gflops_per_core);
    o.Set("bf16GflopsAll", r.bf16_gflops_all);
    o.Set("readGBs", r.read_gbs);
    o.Set("copyGBs", r.copy_gbs);
    o.Set("bufferBytes", double(r.buffer_bytes));
    return Napi::Value(o);
  });
}

}  // namespace

void register_bench_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("measurePeak", Napi::Function::New<measure_peak_js>(env, "measurePeak"));
}

}  // namespace effnet::binding
