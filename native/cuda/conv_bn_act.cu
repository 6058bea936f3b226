// conv_bn_act on CUDA: the dense kxk stem conv with folded BN bias and activation.
//   y[n,oy,ox,co] = act(b[co] + sum_{ky,kx,ci} x[n, oy*s - pad_t + ky, ox*s - pad_l + kx, ci] * w[ky,kx,ci,co])
// Taps outside the input read zero (explicit 4-sided padding; bottom/right pads are implied by Ho, Wo).
// Layouts: x, y NHWC; w packed [k][k][cin][cout] fp32 (from the plan's OIHW) so that the threads of
// a warp, which hold consecutive output channels of one pixel, read consecutive weights.
// Work split: one thread per output element (n, oy, ox, co), co fastest; grid-stride loop. The
// input taps of a pixel are the same address for the whole warp (a broadcast), the weights (a few
// KiB for the stem: 3x3x3x32) stay in L1. No shared memory: with cin = 3 the stem is bound by its
// output writes (32 channels per 3 input values), not by reuse, and costs ~1% of a network.
// Precision: fp32 accumulation; x is fp32 (the network input) or fp16, y fp32 or fp16.
#include <cstring>

#include "cuda/device_math.cuh"
#include "effnet/error.h"

namespace effnet {
namespace cuda {
namespace {

constexpr int kBlock = 256;

template <typename TIn, typename TOut, Act A>
__global__ void __launch_bounds__(kBlock) conv_bn_act_kernel(ConvParams p, ConvTensors t) {
  const TIn* __restrict__ x = static_cast<const TIn*>(t.x);
  TOut* __restrict__ y = static_cast<TOut*>(t.y);
  const int64_t total = int64_t(p.batch) * p.ho * p.wo * p.cout;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int co = int(i % p.cout);
    const int64_t pix = i / p.cout;
    const int ox = int(pix % p.wo);
    const int oy = int((pix / p.wo) % p.ho);
    const int64_t n = pix / (int64_t(p.wo) * p.ho);
    const int iy0 = window_start(oy, p.stride, p.pad_top), ix0 = window_start(ox, p.stride, p.pad_left);
    float acc = __ldg(t.bias + co);
    for (int ky = 0; ky < p.k; ++ky) {
      const int iy = iy0 + ky;
      if (!inside(iy, p.h)) continue;
      for (int kx = 0; kx < p.k; ++kx) {
        const int ix = ix0 + kx;
        if (!inside(ix, p.w)) continue;
        const TIn* xp = x + ((n * p.h + iy) * p.w + ix) * p.cin;
        const float* wp = t.weight + (int64_t(ky * p.k + kx) * p.cin) * p.cout + co;
        for (int ci = 0; ci < p.cin; ++ci) acc = fmaf(to_float(xp[ci]), __ldg(wp + int64_t(ci) * p.cout), acc);
      }
    }
    y[i] = from_float<TOut>(activate<A>(acc));
  }
}

template <typename TIn, typename TOut>
void launch_typed(const ConvParams& p, const ConvTensors& t, cudaStream_t stream) {
  const unsigned grid = grid_for(int64_t(p.batch) * p.ho * p.wo * p.cout, kBlock);
  switch (p.act) {
    case Act::none:
      conv_bn_act_kernel<TIn, TOut, Act::none><<<grid, kBlock, 0, stream>>>(p, t);
      break;
    case Act::swish:
      conv_bn_act_kernel<TIn, TOut, Act::swish><<<grid, kBlock, 0, stream>>>(p, t);
      break;
  }
  EFFNET_CUDA_CHECK_LAUNCH("conv_bn_act_kernel");
}

}  // namespace

HostPacked pack_conv_bn_act(const OpDesc& op, const ValueDesc& in, const ValueDesc& out) {
  const int64_t k = op.k, cin = in.c, cout = out.c;
  HostPacked packed;
  packed.w.resize(size_t(k * k * cin * cout) * sizeof(float));
  float* w = reinterpret_cast<float*>(packed.w.data());
  for (int64_t co = 0; co < cout; ++co)
    for (int64_t ci = 0; ci < cin; ++ci)
      for (int64_t ky = 0; ky < k; ++ky)
        for (int64_t kx = 0; kx < k; ++kx)
          w[((ky * k + kx) * cin + ci) * cout + co] = op.weight[size_t(((co * cin + ci) * k + ky) * k + kx)];
  packed.b.resize(op.bias.size() * sizeof(float));
  std::memcpy(packed.b.data(), op.bias.data(), packed.b.size());
  return packed;
}

// The enum-to-template switch: (input type, output type) x activation.
void launch_conv_bn_act(const ConvParams& p, const ConvTensors& t, cudaStream_t stream) {
  if (p.in_type == DType::f32 && p.out_type == DType::f32) return launch_typed<float, float>(p, t, stream);
  if (p.in_type == DType::f32 && p.out_type == DType::f16) return launch_typed<float, __half>(p, t, stream);
  if (p.in_type == DType::f16 && p.out_type == DType::f16) return launch_typed<__half, __half>(p, t, stream);
  // fp16 in, fp32 out never happens: outputs are feature maps, which are fp32 only in fp32 models.
  throw Error(kErrInternal, "conv_bn_act: no kernel for fp16 input with fp32 output");
}

}  // namespace cuda
}  // namespace effnet
