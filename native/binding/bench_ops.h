// The addon's entry points for `efficientnet bench` that are not inference: the machine's peak.
#pragma once
#include <napi.h>

namespace effnet::binding {

// Adds measurePeak to the exports.
void register_bench_ops(Napi::Env env, Napi::Object exports);

}  // namespace effnet::binding
