// Turning CUDA return codes into effnet::Error, never an abort (ggml's CUDA_CHECK aborts; ours
// throws, like tiny-cuda-nn's). Every failing call is named with its file and line:
//   EFFNET_CUDA_CHECK(cudaMalloc(&p, bytes));
//   my_kernel<<<grid, block, 0, stream>>>(...); EFFNET_CUDA_CHECK_LAUNCH("my_kernel");
// The code says what the caller can do about it:
//   cudaErrorMemoryAllocation                 -> ERR_CUDA_OOM (not sticky: free something, retry smaller)
//   sticky errors (illegal address, ...)      -> ERR_CUDA_LOST (the context is dead for this process)
//   no driver / no device / no kernel image   -> ERR_CUDA_UNAVAILABLE
//   anything else                             -> ERR_INTERNAL (a bug in this backend)
// Non-sticky errors are cleared from the runtime's last-error slot before throwing, so that a
// later, unrelated cudaGetLastError() does not report them again.
#pragma once
#include <cuda_runtime_api.h>

#include <string>

namespace effnet {
namespace cuda {

// True for the errors after which the CUDA context cannot be used again in this process.
bool is_sticky(cudaError_t err);

// The effnet error code for a CUDA error (see above).
const char* error_code_for(cudaError_t err);

// "cudaErrorIllegalAddress (an illegal memory access was encountered, error 700)".
std::string describe(cudaError_t err);

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line);

inline void check(cudaError_t err, const char* call, const char* file, int line) {
  if (err != cudaSuccess) throw_cuda_error(err, call, file, line);
}

}  // namespace cuda
}  // namespace effnet

#define EFFNET_CUDA_CHECK(call) ::effnet::cuda::check((call), #call, __FILE__, __LINE__)
// After a <<<...>>> launch: reports a bad configuration (grid, shared memory) at once; faults in the
// kernel itself surface at the next synchronizing call, as ERR_CUDA_LOST.
#define EFFNET_CUDA_CHECK_LAUNCH(kernel_name) \
  ::effnet::cuda::check(cudaGetLastError(), "launch of " kernel_name, __FILE__, __LINE__)
