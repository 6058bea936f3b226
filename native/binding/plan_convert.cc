#include "binding/plan_convert.h"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>

#include "binding/errors.h"

namespace effnet::binding {
namespace {

int32_t get_int(const Napi::Object& o, const char* key, const std::string& where, bool optional,
                int32_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() && optional) return fallback;
  if (!v.IsNumber()) throw_type_error(o.Env(), "an integer", where + "." + key, describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < std::numeric_limits<int32_t>::min() ||
      d > std::numeric_limits<int32_t>::max()) {
    throw_range_error(o.Env(), "a 32-bit integer", where + "." + key, describe(v));
  }
  return static_cast<int32_t>(d);
}

std::vector<float> get_floats(const Napi::Object& o, const char* key, const std::string& where,
                              bool optional) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() && optional) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw_type_error(o.Env(), "a Float32Array", where + "." + key, describe(v));
  }
  auto a = v.As<Napi::Float32Array>();
  return std::vector<float>(a.Data(), a.Data() + a.ElementLength());
}

Napi::Array get_array(const Napi::Object& o, const char* key, const std::string& where) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) throw_type_error(o.Env(), "an array", where + "." + key, describe(v));
  return v.As<Napi::Array>();
}

// The optional string option where.key, which must be one of `choices`: *out takes the matching
// value; anything else is a TypeError naming the `expected` choices.
template <class T>
void get_choice(const Napi::Object& o, const char* key, const std::string& where,
                std::initializer_list<std::pair<const char*, T>> choices, const char* expected, T* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return;
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  for (const auto& [name, value] : choices) {
    if (s == name) {
      *out = value;
      return;
    }
  }
  throw_type_error(o.Env(), expected, where + "." + key, describe(v));
}

Napi::Object as_object(const Napi::Value& v, const std::string& where) {
  if (!v.IsObject() || v.IsArray()) throw_type_error(v.Env(), "an object", where, describe(v));
  return v.As<Napi::Object>();
}

OpDesc op_from_js(const Napi::Object& o, const std::string& where) {
  OpDesc op;
  Napi::Value name = o.Get("op");
  if (!name.IsString() || !op_from_name(name.As<Napi::String>().Utf8Value(), &op.kind)) {
    throw_type_error(o.Env(), "an op name (conv_bn_act, dwconv_bn_act, se_gate, pwconv_bn_act, head_pool, linear)",
                     where + ".op", describe(name));
  }
  op.x = get_int(o, "x", where, false, -1);
  op.y = get_int(o, "y", where, false, -1);
  op.sums = get_int(o, "sums", where, true, -1);
  op.map = get_int(o, "map", where, true, -1);
  op.gate = get_int(o, "gate", where, true, -1);
  op.residual = get_int(o, "residual", where, true, -1);
  op.k = get_int(o, "k", where, true, 1);
  op.stride = get_int(o, "stride", where, true, 1);
  op.spatial = get_int(o, "spatial", where, true, 0);
  Napi::Value pad = o.Get("pad");
  if (!pad.IsUndefined()) {
    if (!pad.IsArray() || pad.As<Napi::Array>().Length() != 4) {
      throw_type_error(o.Env(), "an array of 4 integers [top, left, bottom, right]", where + ".pad", describe(pad));
    }
    Napi::Object p = pad.As<Napi::Object>();
    const char* keys[4] = {"0", "1", "2", "3"};
    for (int i = 0; i < 4; ++i) op.pad[i] = get_int(p, keys[i], where + ".pad", false, 0);
  }
  get_choice(o, "act", where, {{"none", Act::none}, {"swish", Act::swish}}, "'none' or 'swish'", &op.act);
  op.weight = get_floats(o, "weight", where, false);
  op.bias = get_floats(o, "bias", where, false);
  op.weight2 = get_floats(o, "weight2", where, true);
  op.bias2 = get_floats(o, "bias2", where, true);
  return op;
}

}  // namespace

Plan plan_from_js(const Napi::Object& js) {
  Plan plan;
  Napi::Array values = get_array(js, "values", "plan");
  plan.values.reserve(values.Length());
  for (uint32_t i = 0; i < values.Length(); ++i) {
    std::string where = "plan.values[" + std::to_string(i) + "]";
    Napi::Object v = as_object(values.Get(i), where);
    plan.values.push_back({get_int(v, "h", where, false, 1), get_int(v, "w", where, false, 1),
                           get_int(v, "c", where, false, 1)});
  }
  Napi::Array ops = get_array(js, "ops", "plan");
  plan.ops.reserve(ops.Length());
  for (uint32_t i = 0; i < ops.Length(); ++i) {
    std::string where = "plan.ops[" + std::to_string(i) + "]";
    plan.ops.push_back(op_from_js(as_object(ops.Get(i), where), where));
  }
  plan.input = get_int(js, "input", "plan", false, 0);
  Napi::Array outputs = get_array(js, "outputs", "plan");
  for (uint32_t i = 0; i < outputs.Length(); ++i) {
    Napi::Value v = outputs.Get(i);
    if (!v.IsNumber()) throw_type_error(js.Env(), "a value id", "plan.outputs[" + std::to_string(i) + "]", describe(v));
    plan.outputs.push_back(v.As<Napi::Number>().Int32Value());
  }
  return plan;
}

CompileOptions compile_options_from_js(const Napi::Value& value) {
  CompileOptions options;
  if (value.IsUndefined()) return options;
  Napi::Object o = as_object(value, "options");
  options.threads = get_int(o, "threads", "options", true, 0);
  if (options.threads < 0 || options.threads > 1024) {
    throw_range_error(o.Env(), "an integer from 0 to 1024", "options.threads", describe(o.Get("threads")));
  }
  get_choice(o, "kernels", "options", {{"fast", KernelSet::fast}, {"reference", KernelSet::reference}},
             "'fast' or 'reference'", &options.kernels);
  Napi::Value level = o.Get("cpuLevel");
  if (!level.IsUndefined()) {
    if (!level.IsString()) throw_type_error(o.Env(), "a string", "options.cpuLevel", describe(level));
    options.cpu_level = level.As<Napi::String>().Utf8Value();
  }
  get_choice(o, "precision", "options",
             {{"fp32", Precision::fp32}, {"fp16", Precision::fp16}, {"bf16", Precision::bf16}},
             "'fp32', 'fp16' or 'bf16'", &options.precision);
  return options;
}

DeviceOptions device_options_from_js(const Napi::Value& value) {
  DeviceOptions out;
  if (value.IsUndefined()) return out;
  Napi::Object o = as_object(value, "options");
  get_choice(o, "device", "options",
             {{"cpu", DeviceChoice::cpu}, {"cuda", DeviceChoice::cuda}, {"auto", DeviceChoice::automatic}},
             "'cpu', 'cuda' or 'auto'", &out.device);
  return out;
}

}  // namespace effnet::binding
