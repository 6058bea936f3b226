#include "binding/plan_convert.h"

#include <cmath>
#include <limits>
#include <string>

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
  Napi::Value act = o.Get("act");
  if (!act.IsUndefined()) {
    std::string a = act.IsString() ? act.As<Napi::String>().Utf8Value() : "";
    if (a == "none") op.act = Act::none;
    else if (a == "swish") op.act = Act::swish;
    else throw_type_error(o.Env(), "'none' or 'swish'", where + ".act", describe(act));
  }
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
  Napi::Value kernels = o.Get("kernels");
  if (!kernels.IsUndefined()) {
    std::string k = kernels.IsString() ? kernels.As<Napi::String>().Utf8Value() : "";
    if (k == "fast") options.kernels = KernelSet::fast;
    else if (k == "reference") options.kernels = KernelSet::reference;
    else throw_type_error(o.Env(), "'fast' or 'reference'", "options.kernels", describe(kernels));
  }
  Napi::Value level = o.Get("cpuLevel");
  if (!level.IsUndefined()) {
    if (!level.IsString()) throw_type_error(o.Env(), "a string", "options.cpuLevel", describe(level));
    options.cpu_level = level.As<Napi::String>().Utf8Value();
  }
  Napi::Value precision = o.Get("precision");
  if (!precision.IsUndefined()) {
    std::string p = precision.IsString() ? precision.As<Napi::String>().Utf8Value() : "";
    if (p == "fp32") options.precision = Precision::fp32;
    else if (p == "fp16") options.precision = Precision::fp16;
    else if (p == "bf16") options.precision = Precision::bf16;
    else throw_type_error(o.Env(), "'fp32', 'fp16' or 'bf16'", "options.precision", describe(precision));
  }
  return options;
}

DeviceOptions device_options_from_js(const Napi::Value& value) {
  DeviceOptions out;
  if (value.IsUndefined()) return out;
  Napi::Object o = as_object(value, "options");
  Napi::Value device = o.Get("device");
  if (!device.IsUndefined()) {
    std::string d = device.IsString() ? device.As<Napi::String>().Utf8Value() : "";
    if (d == "cpu") out.device = DeviceChoice::cpu;
    else if (d == "cuda") out.device = DeviceChoice::cuda;
    else if (d == "auto") out.device = DeviceChoice::automatic;
    else throw_type_error(o.Env(), "'cpu', 'cuda' or 'auto'", "options.device", describe(device));
  }
  return out;
}

}  // namespace effnet::binding
