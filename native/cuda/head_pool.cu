// head_pool on CUDA: the head 1x1 conv + BN bias + swish with the global average pool fused.
//   f[n, p, co] = swish(b[co] + sum_ci x[n, p, ci] * w[co, ci])
//   y[n, co]    = (1/HW) sum_p f[n, p, co];     map[n, p, co] = f[n, p, co] only when asked (CAM)
// swish is part of the op. Layouts: x [batch][hw][cin] and map [batch][hw][cout] in T; w [cout][cin]
// in T; b, y fp32 (pooled features are a vector: fp32 in both precisions).
// Work split: the GEMM tiles of gemm_tiles.cuh, but tiled per image (an m tile never spans two
// images), 1-D grid over (image, m tile, n tile). Epilogue: swish(acc + b) goes to the map (when
// asked) and into a [BM][BN+8] fp32 tile in shared memory (reusing the GEMM's stages; zero for
// rows past hw); then thread c sums its column over the tile's rows in order -> partial[n][mt][co],
// and reduce_partials (partial_sums.cu) adds the m tiles in order and divides by hw. Deterministic;
// the 1280-wide head map is never written unless asked for.
// Precision: fp32 accumulation and pooling; only the optional map is rounded to T.
#include "cuda/gemm_tiles.cuh"

namespace effnet {
namespace cuda {
namespace {

constexpr int kPoolPad = 8;  // [BM][BN + 8] floats: the float2 writes of a half warp hit 32 distinct banks

// Shared memory: the GEMM stages, then (reused) the [BM][BN + kPoolPad] fp32 pooling tile.
template <typename T>
inline constexpr int kPoolTileBytes = GemmTile<T>::kBM * (GemmTile<T>::kBN + kPoolPad) * 4;
template <typename T>
inline constexpr int kPoolSmemBytes =
    kPoolTileBytes<T> > GemmTile<T>::kSmemBytes ? kPoolTileBytes<T> : GemmTile<T>::kSmemBytes;

template <typename T>
struct HeadPoolEpilogue {
  float* tile;      // [BM][BN + kPoolPad], shared
  T* map;           // this image's map, or null
  const float* bias;
  int32_t hw, cout, n0, m0;

  __device__ __forceinline__ void operator()(int ml, int nl, float v0, float v1) const {
    const int32_t m = m0 + ml, n = n0 + nl;
    float2 f = make_float2(0.0f, 0.0f);  // rows past hw and columns past cout add nothing
    if (m < hw && n < cout) {
      const bool second = n + 1 < cout;
      f.x = activate<Act::swish>(v0 + __ldg(bias + n));
      f.y = second ? activate<Act::swish>(v1 + __ldg(bias + n + 1)) : 0.0f;
      if (map != nullptr) {
        T* p = map + int64_t(m) * cout + n;
        p[0] = from_float<T>(f.x);
        if (second) p[1] = from_float<T>(f.y);
      }
    }
    *reinterpret_cast<float2*>(tile + ml * (GemmTile<T>::kBN + kPoolPad) + nl) = f;
  }
};

template <typename T>
__global__ void __launch_bounds__(GemmTile<T>::kThreads) head_pool_kernel(HeadPoolParams p, HeadPoolTensors t) {
  using Tile = GemmTile<T>;
  __shared__ alignas(16) char smem[kPoolSmemBytes<T>];
  const int32_t n_tiles = ceil_div(p.cout, Tile::kBN), m_tiles = ceil_div(p.hw, Tile::kBM);
  const int32_t nt = int32_t(blockIdx.x % n_tiles);
  const int32_t mt = int32_t((blockIdx.x / n_tiles) % m_tiles);
  const int64_t image = blockIdx.x / (int64_t(n_tiles) * m_tiles);
  const int32_t m0 = mt * Tile::kBM, n0 = nt * Tile::kBN;

  const T* x = static_cast<const T*>(t.x) + image * p.hw * p.cin;
  const GemmArgs<T> g{x, p.hw, static_cast<const T*>(t.weight), p.cout, p.cin, nullptr, p.hw};
  float* tile = reinterpret_cast<float*>(smem);
  T* map = t.map != nullptr ? static_cast<T*>(t.map) + image * p.hw * p.cout : nullptr;
  HeadPoolEpilogue<T> epi{tile, map, t.bias, p.hw, p.cout, n0, m0};
  gemm_block(g, m0, n0, smem, epi);  // ends with a barrier: the stages may now be overwritten
  __syncthreads();                    // the tile is complete

  if (threadIdx.x < Tile::kBN && n0 + int32_t(threadIdx.x) < p.cout) {
    float sum = 0.0f;
    for (int r = 0; r < Tile::kBM; ++r) sum += tile[r * (Tile::kBN + kPoolPad) + threadIdx.x];
    t.partial[(image * m_tiles + mt) * p.cout + n0 + threadIdx.x] = sum;
  }
}

int32_t m_tiles(const HeadPoolParams& p) {
  return p.type == DType::f16 ? ceil_div(p.hw, GemmTile<__half>::kBM) : ceil_div(p.hw, GemmTile<float>::kBM);
}

template <typename T>
void launch_typed(const HeadPoolParams& p, const HeadPoolTensors& t, cudaStream_t stream) {
  using Tile = GemmTile<T>;
  const int64_t blocks = int64_t(p.batch) * m_tiles(p) * ceil_div(p.cout, Tile::kBN);
  if (blocks > kMaxGridX) throw Error(kErrInternal, "head_pool: grid too large");
  head_pool_kernel<T><<<unsigned(blocks), Tile::kThreads, 0, stream>>>(p, t);
  EFFNET_CUDA_CHECK_LAUNCH("head_pool_kernel");
}

}  // namespace

int64_t head_pool_scratch_bytes(const HeadPoolParams& p) {
  return int64_t(p.batch) * m_tiles(p) * p.cout * int64_t(sizeof(float));
}

// The enum-to-template switch: storage type (swish is fixed), then the pooling's second stage.
void launch_head_pool(const HeadPoolParams& p, const HeadPoolTensors& t, cudaStream_t stream) {
  if (p.type == DType::f16) {
    launch_typed<__half>(p, t, stream);
  } else {
    launch_typed<float>(p, t, stream);
  }
  launch_reduce_partials(t.partial, t.y, p.batch, m_tiles(p), p.cout, float(p.hw), stream);
}

}  // namespace cuda
}  // namespace effnet
