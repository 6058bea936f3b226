// Device queries: cuda_status() for `efficientnet info` and the binding's fallback decision, and the
// dynamic shared memory opt-in the launchers use.
#include <cuda_runtime_api.h>

#include "cuda/cuda_check.h"
#include "cuda/launch.h"
#include "effnet/cuda.h"
#include "effnet/error.h"

namespace effnet {

CudaStatus cuda_status() {
  CudaStatus s;
  s.compiled = true;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();  // not sticky: leave the slot clean for later calls
    s.reason = "cudaGetDeviceCount failed: " + cuda::describe(err) +
               (err == cudaErrorInsufficientDriver || err == cudaErrorNoDevice
                    ? "; no NVIDIA driver (>= 580 for CUDA 13) or no GPU on this machine"
                    : "");
    return s;
  }
  s.device_count = count;
  if (count == 0) {
    s.reason = "no CUDA device";
    return s;
  }
  cudaDeviceProp prop{};
  const cudaError_t perr = cudaGetDeviceProperties(&prop, 0);
  if (perr != cudaSuccess) {
    (void)cudaGetLastError();
    s.reason = "cudaGetDeviceProperties(0) failed: " + cuda::describe(perr);
    return s;
  }
  s.device_name = prop.name;
  s.compute_capability = prop.major * 10 + prop.minor;
  if (s.compute_capability < cuda::kMinComputeCapability) {
    s.reason = "device 0 (" + s.device_name + ") has compute capability " + std::to_string(prop.major) + "." +
               std::to_string(prop.minor) + "; this build needs 7.5 or newer";
    return s;
  }
  s.available = true;
  return s;
}

namespace cuda {

void ensure_dynamic_smem(const void* kernel, int64_t bytes, const char* what) {
  if (bytes <= kDefaultDynamicSmemBytes) return;
  int device = 0, optin = 0;
  EFFNET_CUDA_CHECK(cudaGetDevice(&device));
  EFFNET_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  if (bytes > optin) {
    throw Error(kErrInvalidOption, std::string(what) + " needs " + std::to_string(bytes) +
                                       " bytes of shared memory per block; this GPU allows " + std::to_string(optin));
  }
  // Not a stream operation, so it is also allowed while a graph is being captured.
  EFFNET_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
}

}  // namespace cuda
}  // namespace effnet
