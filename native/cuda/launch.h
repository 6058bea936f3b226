// The host entry points of the CUDA kernels: one launch_<op>() per .cu file (named by the op), plus
// how each op wants its weights packed and how much scratch it needs. Host-side header of the CUDA
// library (it names cudaStream_t; nothing outside native/cuda includes it).
//
// Conventions: activations are NHWC with the batch outermost; `void*` tensors hold the storage type
// given by the params (DType), fp32 tensors are typed float*. Device pointers come from the arena
// (64-byte aligned). Every launcher checks its launch and throws effnet::Error (cuda_check.h).
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "effnet/plan.h"

namespace effnet {
namespace cuda {

enum class DType : int32_t { f32 = 0, f16 = 1 };
inline int64_t dtype_bytes(DType t) { return t == DType::f16 ? 2 : 4; }
inline const char* dtype_name(DType t) { return t == DType::f16 ? "fp16" : "fp32"; }

// An op's weights as the kernels want them, on the host, ready to upload (byte blobs).
struct HostPacked {
  std::vector<uint8_t> w, b, w2, b2;
};

// ---- conv_bn_act (the stem) --------------------------------------------------------------------
struct ConvParams {
  int32_t batch, h, w, cin, ho, wo, cout, k, stride, pad_top, pad_left;
  Act act;
  DType in_type, out_type;  // the stem reads the fp32 network input even when it writes fp16
};
struct ConvTensors {
  const void* x;
  void* y;
  const float* weight;  // [k][k][cin][cout]
  const float* bias;    // [cout]
};
HostPacked pack_conv_bn_act(const OpDesc& op, const ValueDesc& in, const ValueDesc& out);
void launch_conv_bn_act(const ConvParams& p, const ConvTensors& t, cudaStream_t stream);

// ---- dwconv_bn_act (+ SE sums) ------------------------------------------------------------------
struct DwconvParams {
  int32_t batch, h, w, c, ho, wo, k, stride, pad_top, pad_left;
  int32_t c_stride;  // channel stride of the packed weight and bias (c rounded up to 8)
  Act act;
  DType type;
};
struct DwconvTensors {
  const void* x;
  void* y;
  const float* weight;  // [k*k][c_stride]
  const float* bias;    // [c_stride]
  float* sums;          // [batch][c] or null
  float* partial;       // scratch, dwconv_bn_act_scratch_bytes(); only used with sums
};
int32_t dwconv_channel_stride(int32_t c);
HostPacked pack_dwconv_bn_act(const OpDesc& op, const ValueDesc& in);
int64_t dwconv_bn_act_scratch_bytes(const DwconvParams& p, bool sums);
void launch_dwconv_bn_act(const DwconvParams& p, const DwconvTensors& t, cudaStream_t stream);

// ---- se_gate ------------------------------------------------------------------------------------
struct SeGateParams {
  int32_t batch, c, cr;
  float spatial;  // the H*W the sums were taken over
};
struct SeGateTensors {
  const float* sums;  // [batch][c]
  float* gate;        // [batch][c]
  const float* w1;    // reduce [cr][c]
  const float* b1;    // [cr]
  const float* w2t;   // expand, transposed: [cr][c]
  const float* b2;    // [c]
};
HostPacked pack_se_gate(const OpDesc& op, const ValueDesc& in);
void launch_se_gate(const SeGateParams& p, const SeGateTensors& t, cudaStream_t stream);

// ---- pwconv_bn_act ------------------------------------------------------------------------------
struct PwconvParams {
  int64_t rows;  // batch * h * w
  int32_t hw, cin, cout;
  Act act;
  DType type;  // f16: tensor cores (mma.sync); f32: SIMT
};
struct PwconvTensors {
  const void* x;         // [rows][cin]
  void* y;               // [rows][cout]
  const void* weight;    // [cout][cin] in `type`
  const float* bias;     // [cout]
  const float* gate;     // [batch][cin] or null
  const void* residual;  // [rows][cout] or null
};
// Both GEMM ops (pwconv_bn_act, head_pool) take [cout][cin] weights in the storage type.
HostPacked pack_gemm_weights(const OpDesc& op, DType type);
void launch_pwconv_bn_act(const PwconvParams& p, const PwconvTensors& t, cudaStream_t stream);

// ---- head_pool ----------------------------------------------------------------------------------
struct HeadPoolParams {
  int32_t batch, hw, cin, cout;
  DType type;
};
struct HeadPoolTensors {
  const void* x;       // [batch][hw][cin]
  float* y;            // [batch][cout] pooled
  void* map;           // [batch][hw][cout] in `type`, or null
  const void* weight;  // [cout][cin] in `type`
  const float* bias;   // [cout]
  float* partial;      // scratch, head_pool_scratch_bytes()
};
int64_t head_pool_scratch_bytes(const HeadPoolParams& p);
void launch_head_pool(const HeadPoolParams& p, const HeadPoolTensors& t, cudaStream_t stream);

// ---- linear -------------------------------------------------------------------------------------
struct LinearParams {
  int32_t batch, cin, cout;
};
struct LinearTensors {
  const float* x;       // [batch][cin]
  float* y;             // [batch][cout]
  const float* weight;  // [cout][cin]
  const float* bias;    // [cout]
};
HostPacked pack_linear(const OpDesc& op);
void launch_linear(const LinearParams& p, const LinearTensors& t, cudaStream_t stream);

// ---- device facts and helpers --------------------------------------------------------------------
// The oldest GPU this build has code for (CUDA 13: sm_75, Turing).
inline constexpr int kMinComputeCapability = 75;
inline constexpr int64_t kDefaultDynamicSmemBytes = 48 * 1024;
// Kernels that need more than 48 KiB of dynamic shared memory must opt in per kernel; a request the
// device cannot meet at all is a plan this GPU cannot run (ERR_INVALID_OPTION, not a crash).
// (cuda_status.cc)
void ensure_dynamic_smem(const void* kernel, int64_t bytes, const char* what);

// ---- helpers (partial_sums.cu, convert.cu) --------------------------------------------------------
// out[n][c] = (sum over t of partial[n][t][c]) / divisor, summed in a fixed order (deterministic):
// the second stage of the dwconv_bn_act SE sums and of head_pool's mean.
void launch_reduce_partials(const float* partial, float* out, int32_t batch, int32_t tiles, int32_t c,
                            float divisor, cudaStream_t stream);
// dst[i] = src[i] converted between fp32 and fp16 (round to nearest even); n elements.
void launch_convert(const void* src, DType src_type, void* dst, DType dst_type, int64_t n, cudaStream_t stream);

}  // namespace cuda
}  // namespace effnet
