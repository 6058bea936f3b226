#include "binding/profile_job.h"

#include <utility>

#include "binding/model_job.h"

namespace effnet::binding {
namespace {

class ProfileJob final : public ModelJob {
 public:
  ProfileJob(Napi::Env env, std::shared_ptr<Model> model, std::unique_ptr<float[]> input, int32_t batch, int32_t runs)
      : ModelJob(env, std::move(model), std::move(input), batch), runs_(runs) {}

  void abandon() noexcept override {}

 protected:
  void work(Model& model, const float* input, int32_t batch) override { profile_ = model.profile(input, batch, runs_); }

  void resolve(Napi::Env env, Napi::Promise::Deferred& deferred) override {
    Napi::Array steps = Napi::Array::New(env, profile_.steps.size());
    for (uint32_t i = 0; i < profile_.steps.size(); ++i) {
      const StepTime& s = profile_.steps[i];
      Napi::Object step = Napi::Object::New(env);
      step.Set("firstOp", s.first_op);
      step.Set("opCount", s.op_count);
      step.Set("ms", s.ms);
      step.Set("flops", s.flops);
      step.Set("bytes", s.bytes);
      step.Set("gemmFlops", s.gemm_flops);
      steps.Set(i, step);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("steps", steps);
    out.Set("runMs", profile_.run_ms);
    out.Set("bandSteps", profile_.band_steps);
    deferred.Resolve(out);
  }

 private:
  int32_t runs_;
  RunProfile profile_;
};

}  // namespace

Napi::Promise submit_profile(Napi::Env env, std::shared_ptr<Model> model, std::unique_ptr<float[]> input, int32_t batch, int32_t runs) {
  return submit_job(env, std::make_unique<ProfileJob>(env, std::move(model), std::move(input), batch, runs));
}

}  // namespace effnet::binding
