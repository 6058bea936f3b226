// Copies a JS plan object (lib/plan.ts `Plan`) into an effnet::Plan. Checks only the JS-level
// types here (numbers are integers, weights are Float32Arrays); the core's validate_plan checks
// the semantics.
#pragma once
#include <napi.h>

#include "effnet/cuda.h"
#include "effnet/model.h"
#include "effnet/plan.h"

namespace effnet::binding {

Plan plan_from_js(const Napi::Object& plan);
// options.threads, kernels, cpuLevel and precision ('fp32' | 'fp16' | 'bf16').
CompileOptions compile_options_from_js(const Napi::Value& options);

// options.device ('cpu' | 'cuda' | 'auto', default 'cpu').
enum class DeviceChoice { cpu, cuda, automatic };
struct DeviceOptions {
  DeviceChoice device = DeviceChoice::cpu;
};
DeviceOptions device_options_from_js(const Napi::Value& options);

}  // namespace effnet::binding
