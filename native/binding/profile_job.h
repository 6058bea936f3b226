// `model.profile(input, batch, runs)`: Model::profile on the executor thread (like a run, it owns a
// copy of its input and never touches JS memory there), resolving to
// { steps: [{ firstOp, opCount, ms, flops, bytes }], runMs, bandSteps }.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "effnet/model.h"

namespace effnet::binding {

// Queues the profile (the input already checked) and returns its promise.
Napi::Promise submit_profile(Napi::Env env, std::shared_ptr<Model> model, std::unique_ptr<float[]> input, int32_t batch, int32_t runs);

}  // namespace effnet::binding
