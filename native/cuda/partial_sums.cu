// reduce_partials: the second, deterministic stage of the block reductions in dwconv_bn_act (SE
// sums) and head_pool (global average pool).
//   out[n, c] = (sum over t of partial[n, t, c]) / divisor        partial [batch][tiles][c], fp32
// Stage one (in those kernels) writes one partial per (image, spatial tile, channel) instead of
// doing atomicAdd into a zeroed buffer: the result is then bit-identical from run to run, no memset
// node is needed in the graph, and the cost is one small extra launch.
// Grid: a grid-stride loop over batch * c; thread (n, c) walks the tiles in order, reading
// partial[n, t, c] -- consecutive threads read consecutive channels (coalesced).
#include "cuda/device_math.cuh"

namespace effnet {
namespace cuda {
namespace {

constexpr int kBlock = 256;

__global__ void __launch_bounds__(kBlock)
    reduce_partials_kernel(const float* __restrict__ partial, float* __restrict__ out, int32_t batch, int32_t tiles,
                           int32_t c, float divisor) {
  const int64_t total = int64_t(batch) * c;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t n = i / c, ch = i % c;
    const float* p = partial + n * tiles * c + ch;
    float s = 0.0f;
    for (int32_t t = 0; t < tiles; ++t) s += p[int64_t(t) * c];
    out[i] = s / divisor;
  }
}

}  // namespace

void launch_reduce_partials(const float* partial, float* out, int32_t batch, int32_t tiles, int32_t c, float divisor,
                            cudaStream_t stream) {
  reduce_partials_kernel<<<grid_for(int64_t(batch) * c, kBlock), kBlock, 0, stream>>>(partial, out, batch, tiles, c,
                                                                                      divisor);
  EFFNET_CUDA_CHECK_LAUNCH("reduce_partials_kernel");
}

}  // namespace cuda
}  // namespace effnet
