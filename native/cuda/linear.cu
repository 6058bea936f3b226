// linear on CUDA: the classifier.
//   y[n, co] = b[co] + sum_ci x[n, ci] * w[co, ci]          w [cout][cin], everything fp32
// (pooled features and logits are vectors: fp32 in both precisions, and the weights stay fp32 so
// the logits lose nothing to fp16).
// Work split: a block = 8 warps; warp w computes output co = blockIdx.x * 8 + w for 8 images
// (blockIdx.y * 8 ...): its lanes stride over ci (coalesced reads of one weight row), keep 8
// accumulators, and finish with a butterfly sum. Each weight row is read once per 8 images; the
// whole matrix (5 MB for B0) stays in L2 across the images. Deterministic.
#include <cstring>

#include "cuda/device_math.cuh"

namespace effnet {
namespace cuda {
namespace {

constexpr int kWarps = 8;   // outputs per block
constexpr int kImages = 8;  // images per block
constexpr int kThreads = kWarps * 32;

__global__ void __launch_bounds__(kThreads) linear_kernel(LinearParams p, LinearTensors t) {
  const int lane = threadIdx.x % 32;
  const int32_t co = int32_t(blockIdx.x) * kWarps + int32_t(threadIdx.x / 32);
  const int32_t n0 = int32_t(blockIdx.y) * kImages;
  if (co >= p.cout) return;  // a whole warp leaves; no block-level barrier follows
  const float* w = t.weight + int64_t(co) * p.cin;
  float acc[kImages];
#pragma unroll
  for (int i = 0; i < kImages; ++i) acc[i] = 0.0f;
  for (int32_t ci = lane; ci < p.cin; ci += 32) {
    const float wv = __ldg(w + ci);
#pragma unroll
    for (int i = 0; i < kImages; ++i) {
      if (n0 + i < p.batch) acc[i] = fmaf(__ldg(t.x + int64_t(n0 + i) * p.cin + ci), wv, acc[i]);
    }
  }
#pragma unroll
  for (int i = 0; i < kImages; ++i) {
    const float s = warp_sum(acc[i]);
    if (lane == 0 && n0 + i < p.batch) t.y[int64_t(n0 + i) * p.cout + co] = s + __ldg(t.bias + co);
  }
}

}  // namespace

HostPacked pack_linear(const OpDesc& op) {
  HostPacked packed;
  packed.w.resize(op.weight.size() * sizeof(float));
  std::memcpy(packed.w.data(), op.weight.data(), packed.w.size());
  packed.b.resize(op.bias.size() * sizeof(float));
  std::memcpy(packed.b.data(), op.bias.data(), packed.b.size());
  return packed;
}

void launch_linear(const LinearParams& p, const LinearTensors& t, cudaStream_t stream) {
  const dim3 grid(unsigned(ceil_div(p.cout, kWarps)), unsigned(ceil_div(p.batch, kImages)));
  linear_kernel<<<grid, kThreads, 0, stream>>>(p, t);
  EFFNET_CUDA_CHECK_LAUNCH("linear_kernel");
}

}  // namespace cuda
}  // namespace effnet
