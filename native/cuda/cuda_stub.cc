// The CUDA backend's stand-in for builds without nvcc (compile this instead of the files listed
// under "cuda" in native/sources.json): the same effnet/cuda.h API, reporting that this build has
// no CUDA, so the binding and `efficientnet info` need no #ifdefs.
#include "core/fp16_range.h"
#include "effnet/cuda.h"
#include "effnet/error.h"

namespace effnet {

CudaStatus cuda_status() {
  CudaStatus s;
  s.compiled = false;
  s.available = false;
  s.reason = "this build of efficientnet has no CUDA backend (nvcc was not found, or WITH_CUDA=OFF)";
  return s;
}

std::unique_ptr<Model> compile_cuda(const Plan& plan, const CudaOptions& options) {
  // The checks that need no device come first, as in the real backend, so a plan or precision
  // problem reads the same on every build.
  validate_plan(plan);
  check_cuda_precision(plan, options.precision);
  throw Error(kErrCudaUnavailable, cuda_status().reason);
}

}  // namespace effnet
