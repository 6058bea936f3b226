// The test addon (efficientnet_test.node): the op table's entry points for the vitest suite, kept
// out of the shipped efficientnet.node because the table is test data. Built next to the addon by
// cmake-js and node-gyp; never packaged as a prebuild.
//   opCases()                   ids of the op table (native/test/op_cases.cc)
//   checkOpCase(id, options)    one op case, candidate kernels vs the scalar reference; options as
//                               for Model (kernels, cpuLevel, threads)
#include <napi.h>

#include <string>

#include "binding/errors.h"
#include "binding/plan_convert.h"
#include "effnet/error.h"
#include "effnet/model.h"
#include "test/op_cases.h"

namespace effnet::binding {
namespace {

Napi::Value op_case_ids(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  const auto& cases = op_cases();
  Napi::Array ids = Napi::Array::New(env, cases.size());
  for (size_t i = 0; i < cases.size(); ++i) ids.Set(uint32_t(i), cases[i].id);
  return ids;
}

Napi::Value check_op_case_js(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  if (!cb[0].IsString()) throw_type_error(env, "an op case id", "id", "a non-string");
  const std::string id = cb[0].As<Napi::String>().Utf8Value();
  return guard(env, [&] {
    CompileOptions options = compile_options_from_js(cb[1]);
    for (const auto& c : op_cases()) {
      if (c.id != id) continue;
      OpCheck r = check_op_case(c, options);
      Napi::Object o = Napi::Object::New(env);
      o.Set("maxAbsDiff", r.max_abs_diff);
      o.Set("nmse", r.nmse);
      o.Set("maxAbsRef", r.max_abs_ref);
      o.Set("count", double(r.n));
      o.Set("seed", Napi::String::New(env, std::to_string(c.seed)));
      o.Set("kernel", r.kernel);
      o.Set("passed", r.passed);
      return static_cast<Napi::Value>(o);
    }
    throw make_error(env, {kErrPlanInvalid, "no op case named \"" + id + "\""});
  });
}

}  // namespace
}  // namespace effnet::binding

static Napi::Object InitEfficientNetTest(Napi::Env env, Napi::Object exports) {
  exports.Set("opCases", Napi::Function::New<effnet::binding::op_case_ids>(env, "opCases"));
  exports.Set("checkOpCase", Napi::Function::New<effnet::binding::check_op_case_js>(env, "checkOpCase"));
  return exports;
}
NODE_API_MODULE(efficientnet_test, InitEfficientNetTest)
