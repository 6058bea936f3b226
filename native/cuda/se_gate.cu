// se_gate on CUDA: squeeze-excitation from the per-channel sums dwconv_bn_act emitted.
//   mean[c] = sums[n,c] / spatial
//   h[j]    = swish(b1[j] + sum_c w1[j,c] * mean[c])       w1 [Cr][C]
//   gate[c] = sigmoid(b2[c] + sum_j w2[c,j] * h[j])        packed transposed: w2t [Cr][C]
// Cr comes from the block INPUT channels (decided in TS; here it is just the weight shape).
// Work split: one block per image (the op is ~2*C*Cr MACs per image: tiny). mean and h live in
// shared memory ((C + Cr) floats). The reduce FC is one warp per j (lanes stride over c: coalesced
// rows of w1, butterfly sum); the expand FC is one thread per c, which reads w2t[j][c] -- consecutive
// threads, consecutive addresses -- which is why w2 is stored transposed.
// Precision: everything fp32 in both precisions (sums and gates are vectors, kept fp32).
#include <cstring>

#include "cuda/device_math.cuh"

namespace effnet {
namespace cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;

__global__ void __launch_bounds__(kThreads) se_gate_kernel(SeGateParams p, SeGateTensors t) {
  extern __shared__ float smem[];
  float* mean = smem;        // [c]
  float* hidden = smem + p.c;  // [cr]
  const int64_t n = blockIdx.x;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  for (int c = threadIdx.x; c < p.c; c += kThreads) mean[c] = t.sums[n * p.c + c] / p.spatial;
  __syncthreads();
  for (int j = warp; j < p.cr; j += kWarps) {
    const float* w = t.w1 + int64_t(j) * p.c;
    float acc = 0.0f;
    for (int c = lane; c < p.c; c += 32) acc = fmaf(__ldg(w + c), mean[c], acc);
    acc = warp_sum(acc);
    if (lane == 0) hidden[j] = activate<Act::swish>(acc + __ldg(t.b1 + j));
  }
  __syncthreads();
  for (int c = threadIdx.x; c < p.c; c += kThreads) {
    float acc = __ldg(t.b2 + c);
    for (int j = 0; j < p.cr; ++j) acc = fmaf(__ldg(t.w2t + int64_t(j) * p.c + c), hidden[j], acc);
    t.gate[n * p.c + c] = sigmoid(acc);
  }
}

}  // namespace

HostPacked pack_se_gate(const OpDesc& op, const ValueDesc& in) {
  const int64_t c = in.c, cr = int64_t(op.weight.size()) / c;
  auto blob = [](const std::vector<float>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(float));
    std::memcpy(b.data(), v.data(), b.size());
    return b;
  };
  HostPacked packed;
  packed.w = blob(op.weight);
  packed.b = blob(op.bias);
  std::vector<float> w2t(size_t(c * cr));
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t j = 0; j < cr; ++j) w2t[size_t(j * c + ch)] = op.weight2[size_t(ch * cr + j)];
  packed.w2 = blob(w2t);
  packed.b2 = blob(op.bias2);
  return packed;
}

void launch_se_gate(const SeGateParams& p, const SeGateTensors& t, cudaStream_t stream) {
  const int64_t smem = (int64_t(p.c) + p.cr) * int64_t(sizeof(float));
  ensure_dynamic_smem(reinterpret_cast<const void*>(se_gate_kernel), smem, "se_gate mean and hidden vectors");
  se_gate_kernel<<<unsigned(p.batch), kThreads, size_t(smem), stream>>>(p, t);
  EFFNET_CUDA_CHECK_LAUNCH("se_gate_kernel");
}

}  // namespace cuda
}  // namespace effnet
