// pwconv_bn_act on CUDA: the 1x1 conv as a GEMM, with the SE gate, BN bias, activation and
// residual fused.
//   y[m, co] = act(b[co] + sum_ci (x[m, ci] * gate[image(m), ci]) * w[co, ci]) + residual[m, co]
// m = pixel index over the whole batch (NHWC rows), image(m) = m / (h*w); gate and residual are
// optional. The residual is added after the activation, as in the reference.
// Layouts: x [rows][cin], y and residual [rows][cout] in T; w [cout][cin] in T (the plan's layout,
// converted to fp16 once at compile for the fp16 path); b fp32.
// Work split: gemm_tiles.cuh (fp16: tensor cores, 128x64 tiles; fp32: SIMT, 64x64 tiles); the
// gate is applied while A is staged into shared memory. A 1-D grid of (m tile, n tile) with the n
// tiles of one m tile adjacent, so the blocks sharing an A tile run together and hit L2.
// Epilogue: bias, activation (template), residual, and one 4- or 8-byte store per column pair when
// cout is even. Precision: fp32 accumulation; one rounding to T at the store.
#include <cstring>

#include "cuda/gemm_tiles.cuh"

namespace effnet {
namespace cuda {
namespace {

template <typename T, Act A>
struct PwconvEpilogue {
  T* y;
  const T* residual;
  const float* bias;
  int64_t rows, m0;
  int32_t cout, n0;

  __device__ __forceinline__ void operator()(int ml, int nl, float v0, float v1) const {
    const int64_t m = m0 + ml;
    const int32_t n = n0 + nl;
    if (m >= rows || n >= cout) return;
    const bool second = n + 1 < cout;
    const int64_t o = m * cout + n;
    v0 = activate<A>(v0 + __ldg(bias + n));
    v1 = second ? activate<A>(v1 + __ldg(bias + n + 1)) : 0.0f;
    if (residual != nullptr) {
      v0 += to_float(residual[o]);
      if (second) v1 += to_float(residual[o + 1]);
    }
    store_pair(y + o, v0, v1, second, cout % 2 == 0);
  }

  // n is even, so with an even cout the pair is 2-element aligned: one 4- or 8-byte store.
  __device__ __forceinline__ static void store_pair(T* p, float v0, float v1, bool second, bool aligned) {
    if (second && aligned) {
      if constexpr (sizeof(T) == 2) {
        *reinterpret_cast<__half2*>(p) = __floats2half2_rn(v0, v1);
      } else {
        *reinterpret_cast<float2*>(p) = make_float2(v0, v1);
      }
      return;
    }
    p[0] = from_float<T>(v0);
    if (second) p[1] = from_float<T>(v1);
  }
};

template <typename T, Act A>
__global__ void __launch_bounds__(GemmTile<T>::kThreads) pwconv_bn_act_kernel(PwconvParams p, PwconvTensors t) {
  using Tile = GemmTile<T>;
  __shared__ alignas(16) char smem[Tile::kSmemBytes];
  const int32_t n_tiles = ceil_div(p.cout, Tile::kBN);
  const int64_t m0 = int64_t(blockIdx.x / n_tiles) * Tile::kBM;
  const int32_t n0 = int32_t(blockIdx.x % n_tiles) * Tile::kBN;
  const GemmArgs<T> g{static_cast<const T*>(t.x), p.rows, static_cast<const T*>(t.weight), p.cout, p.cin, t.gate,
                      p.hw};
  PwconvEpilogue<T, A> epi{static_cast<T*>(t.y), static_cast<const T*>(t.residual), t.bias, p.rows, m0, p.cout, n0};
  gemm_block(g, m0, n0, smem, epi);
}

template <typename T>
void launch_typed(const PwconvParams& p, const PwconvTensors& t, cudaStream_t stream) {
  using Tile = GemmTile<T>;
  const int64_t blocks = ceil_div<int64_t>(p.rows, Tile::kBM) * ceil_div(p.cout, Tile::kBN);
  if (blocks > kMaxGridX) throw Error(kErrInternal, "pwconv_bn_act: grid too large");
  switch (p.act) {
    case Act::none:
      pwconv_bn_act_kernel<T, Act::none><<<unsigned(blocks), Tile::kThreads, 0, stream>>>(p, t);
      break;
    case Act::swish:
      pwconv_bn_act_kernel<T, Act::swish><<<unsigned(blocks), Tile::kThreads, 0, stream>>>(p, t);
      break;
  }
  EFFNET_CUDA_CHECK_LAUNCH("pwconv_bn_act_kernel");
}

}  // namespace

HostPacked pack_gemm_weights(const OpDesc& op, DType type) {
  HostPacked packed;
  if (type == DType::f16) {
    packed.w.resize(op.weight.size() * sizeof(__half));
    __half* w = reinterpret_cast<__half*>(packed.w.data());
    for (size_t i = 0; i < op.weight.size(); ++i) w[i] = __float2half_rn(op.weight[i]);  // host conversion
  } else {
    packed.w.resize(op.weight.size() * sizeof(float));
    std::memcpy(packed.w.data(), op.weight.data(), packed.w.size());
  }
  packed.b.resize(op.bias.size() * sizeof(float));
  std::memcpy(packed.b.data(), op.bias.data(), packed.b.size());
  return packed;
}

// The enum-to-template switch: storage type (which also picks tensor cores vs SIMT) x activation.
void launch_pwconv_bn_act(const PwconvParams& p, const PwconvTensors& t, cudaStream_t stream) {
  if (p.type == DType::f16) {
    launch_typed<__half>(p, t, stream);
  } else {
    launch_typed<float>(p, t, stream);
  }
}

}  // namespace cuda
}  // namespace effnet
