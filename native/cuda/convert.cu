// convert: dst[i] = src[i] between fp32 and fp16 (round to nearest even), n elements.
// Used at the edges of an fp16 model only: fp32 network input -> fp16 for ops that read it as a
// feature map (the stem reads fp32 directly, so a real network skips this), and fp16 outputs (the
// head feature map) -> fp32 before the copy to the host. Grid-stride, one element per thread step.
#include "cuda/device_math.cuh"

namespace effnet {
namespace cuda {
namespace {

constexpr int kBlock = 256;

template <typename Src, typename Dst>
__global__ void __launch_bounds__(kBlock) convert_kernel(const Src* __restrict__ src, Dst* __restrict__ dst, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    dst[i] = from_float<Dst>(to_float(src[i]));
  }
}

}  // namespace

void launch_convert(const void* src, DType src_type, void* dst, DType dst_type, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  const unsigned grid = grid_for(n, kBlock);
  if (src_type == DType::f32 && dst_type == DType::f16) {
    convert_kernel<<<grid, kBlock, 0, stream>>>(static_cast<const float*>(src), static_cast<__half*>(dst), n);
  } else if (src_type == DType::f16 && dst_type == DType::f32) {
    convert_kernel<<<grid, kBlock, 0, stream>>>(static_cast<const __half*>(src), static_cast<float*>(dst), n);
  } else {
    // Same type: a device-to-device copy (stream ordered, capturable).
    EFFNET_CUDA_CHECK(cudaMemcpyAsync(dst, src, size_t(n * dtype_bytes(src_type)), cudaMemcpyDeviceToDevice, stream));
    return;
  }
  EFFNET_CUDA_CHECK_LAUNCH("convert_kernel");
}

}  // namespace cuda
}  // namespace effnet
