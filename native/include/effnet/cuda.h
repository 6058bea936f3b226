// The CUDA backend's public face: host-only (no CUDA types, no CUDA headers), so the binding, the
// tools and the tests can include it whether or not the build has CUDA. In a build without nvcc the
// lead compiles native/cuda/cuda_stub.cc instead of the real backend: cuda_status() then reports
// compiled = false and compile_cuda() throws ERR_CUDA_UNAVAILABLE.
#pragma once
#include <memory>
#include <string>

#include "effnet/model.h"
#include "effnet/plan.h"

namespace effnet {

struct CudaStatus {
  bool compiled = false;         // this build has the CUDA backend at all
  bool available = false;        // a usable device and driver were found
  std::string reason;            // why not available (carries cudaGetErrorString), "" when available
  std::string device_name;       // of device 0, when available
  int device_count = 0;
  int compute_capability = 0;    // of device 0, major * 10 + minor (e.g. 90), when available
};

// Cheap enough to call per request; never throws (a missing driver is a status, not an error).
CudaStatus cuda_status();

struct CudaOptions {
  int device = 0;
  // fp32: fp32 storage and math (SIMT). fp16: feature maps and GEMM weights stored as fp16, tensor
  // cores for the 1x1 convs; every sum is accumulated in fp32, and small vectors (SE sums and gates,
  // pooled features, logits) stay fp32. bf16 is a CPU precision: ERR_INVALID_OPTION here.
  Precision precision = Precision::fp32;
};

// Compiles a validated plan for one device: uploads (and packs) the weights once; arenas, pinned
// staging buffers and a CUDA graph are made per batch size on its first run. The Model's run() is
// thread safe (serialized per model) and takes host fp32 NHWC input and host fp32 outputs.
// Throws effnet::Error:
//   ERR_CUDA_UNAVAILABLE  no driver / no device / device too old (the reason names the CUDA error)
//   ERR_CUDA_OOM          weights do not fit; from run(): that batch's buffers do not fit (they are
//                         freed again; the model stays usable at a smaller batch)
//   ERR_CUDA_LOST         a sticky device error (illegal address, ...): this run and every later one
//   ERR_PLAN_INVALID, ERR_INVALID_OPTION, ERR_INPUT_SHAPE as for the CPU model.
// kernel_name() is e.g. "cuda-fp16 sm_90".
std::unique_ptr<Model> compile_cuda(const Plan& plan, const CudaOptions& options);

}  // namespace effnet
