// The shape every job on a model shares (a run, a profile): it owns what the executor thread
// touches (a copy of the input, the model), so a caller's arrays, or a whole worker's heap, may go
// away while it is queued or running. work() runs on the executor thread; resolve() on the env's
// thread once work() succeeded, else the promise is rejected with work()'s error.
#pragma once
#include <napi.h>

#include <memory>
#include <utility>
#include <vector>

#include "binding/addon_data.h"
#include "binding/errors.h"
#include "binding/executor.h"
#include "effnet/error.h"
#include "effnet/model.h"

namespace effnet::binding {

class ModelJob : public Job {
 public:
  ModelJob(Napi::Env env, std::shared_ptr<Model> model, std::unique_ptr<float[]> input, int32_t batch)
      : deferred_(Napi::Promise::Deferred::New(env)), model_(std::move(model)), input_(std::move(input)), batch_(batch) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

  void compute() noexcept final {
    try {
      work(*model_, input_.get(), batch_);
      ok_ = true;
    } catch (...) {
      error_ = current_exception_info();
    }
    // Freed now rather than when JS gets around to settling (a disposed model goes with its last job).
    input_.reset();
    model_.reset();
  }

  void settle(Napi::Env env) final {
    if (ok_) resolve(env, deferred_);
    else deferred_.Reject(make_error(env, error_).Value());
  }

 protected:
  virtual void work(Model& model, const float* input, int32_t batch) = 0;
  virtual void resolve(Napi::Env env, Napi::Promise::Deferred& deferred) = 0;

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Model> model_;
  std::unique_ptr<float[]> input_;  // the caller's input, copied (input_copy in model_wrap.cc)
  int32_t batch_;
  bool ok_ = false;
  ErrorInfo error_;
};

// Queues a model job on the env's queue and returns its promise; refused once the env is shutting
// down (its cleanup hook or 'exit' closed the queue).
template <class J>
Napi::Promise submit_job(Napi::Env env, std::unique_ptr<J> job) {
  EnvQueue& queue = *env.GetInstanceData<AddonData>()->queue;
  if (queue.closed()) {
    throw make_error(env, {kErrDisposed, "This JavaScript environment is shutting down; no new runs start"});
  }
  Napi::Promise promise = job->promise();
  queue.submit(std::move(job));
  return promise;
}

}  // namespace effnet::binding
