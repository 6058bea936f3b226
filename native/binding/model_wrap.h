// JS class `Model`: a compiled plan. `run()` copies its input, returns a promise and computes on
// the executor thread into buffers of its own; the output typed arrays are filled on the JS thread
// when the promise settles.
#pragma once
#include <napi.h>

#include <memory>

#include "effnet/model.h"

namespace effnet::binding {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;

 private:
  Napi::Value run(const Napi::CallbackInfo& info);
  Napi::Value profile(const Napi::CallbackInfo& info);
  void dispose(const Napi::CallbackInfo& info);
  Napi::Value kernels(const Napi::CallbackInfo& info);
  Napi::Value threads(const Napi::CallbackInfo& info);
  Napi::Value disposed(const Napi::CallbackInfo& info);
  void release_memory_accounting();

  // Shared with queued runs, so dispose() while a run is in flight frees the model once it ends.
  std::shared_ptr<Model> model_;
  int64_t external_bytes_ = 0;
};

}  // namespace effnet::binding
