// dwconv_bn_act on CUDA: depthwise kxk conv + folded BN bias + activation, with the SE squeeze fused.
//   y[n,oy,ox,c] = act(b[c] + sum_{ky,kx} x[n, oy*s - pad_t + ky, ox*s - pad_l + kx, c] * w[ky,kx,c])
//   sums[n,c]    = sum_{oy,ox} y[n,oy,ox,c]        (of y as stored; only when the op has sums)
// Taps outside the input read zero (explicit 4-sided padding: symmetric or TF SAME).
// Layouts: x, y NHWC in T (fp32 or fp16); w packed [k*k][c_stride] fp32 and b [c_stride] fp32,
// c_stride = c rounded up to 8 and zero-filled, so a thread's 4 or 8 channels are one aligned load.
//
// Work split: a block = one image x one 4x8 tile of output pixels x 8 channel vectors (16 bytes
// each: 32 fp32 or 64 fp16 channels); grid (tiles, channel blocks, batch). 256 threads: thread
// (pixel p, vector g) = threadIdx / 8, threadIdx % 8, so a quarter warp covers one pixel's 128
// contiguous bytes. Shared memory: the input tile with its halo, ((4-1)*s + k) x ((8-1)*s + k)
// pixels x 8 vectors (26.1 KiB for k5 s2), loaded once with coalesced 16-byte loads, zeros in the
// padding; every tap is then read from shared memory (k*k/s^2 reuse), conflict-free since a quarter
// warp reads 8 consecutive vectors. Channels not a multiple of the vector width (only in the op
// table's odd shapes) take element-wise loads and stores; the arithmetic is the same.
// K = 3 and 5 are compiled with unrolled taps; other k take the K = 0 (runtime k) instance.
//
// SE sums, deterministic two-stage: each block reduces its 32 pixels per channel (warp butterfly,
// then the 8 warps in a fixed order through shared memory) into partial[n][tile][c]; a second
// kernel (partial_sums.cu) adds the tiles in order. No atomics, so sums are bit-identical run to
// run, and no memset is needed. Precision: fp32 accumulation; y rounded to T once.
#include <cstring>

#include "cuda/device_math.cuh"

namespace effnet {
namespace cuda {
namespace {

constexpr int kTileH = 4, kTileW = 8;          // output pixels per block
constexpr int kPixels = kTileH * kTileW;        // 32
constexpr int kGroups = 8;                      // 16-byte channel vectors per block
constexpr int kThreads = kPixels * kGroups;     // 256
constexpr int kWarps = kThreads / 32;

int tile_in(int tile_out, int stride, int k) { return (tile_out - 1) * stride + k; }
int64_t tiles_per_image(const DwconvParams& p) {
  return int64_t(ceil_div(p.ho, kTileH)) * ceil_div(p.wo, kTileW);
}

template <typename T, Act A, int K>
__global__ void __launch_bounds__(kThreads) dwconv_bn_act_kernel(DwconvParams p, DwconvTensors t) {
  constexpr int V = kLanes<T>;
  extern __shared__ uint4 tile[];  // [tile_h_in][tile_w_in][kGroups]
  __shared__ float warp_sums[kWarps][kGroups * V];

  const int k = K > 0 ? K : p.k;
  const int s = p.stride;
  const int tile_w_in = (kTileW - 1) * s + k;
  const int tile_h_in = (kTileH - 1) * s + k;
  const int tiles_x = ceil_div(p.wo, kTileW);
  const int oy0 = int(blockIdx.x / tiles_x) * kTileH, ox0 = int(blockIdx.x % tiles_x) * kTileW;
  const int cb = int(blockIdx.y) * kGroups * V;
  const int64_t n = blockIdx.z;
  const bool vec = p.c % V == 0;

  // 1. Input tile with halo -> shared memory (zeros for padding and for channels past c).
  const T* x = static_cast<const T*>(t.x) + n * p.h * p.w * p.c;
  const int iy0 = window_start(oy0, s, p.pad_top), ix0 = window_start(ox0, s, p.pad_left);
  for (int i = threadIdx.x; i < tile_h_in * tile_w_in * kGroups; i += kThreads) {
    const int g = i % kGroups, pix = i / kGroups;
    const int iy = iy0 + pix / tile_w_in, ix = ix0 + pix % tile_w_in;
    const int c0 = cb + g * V;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (inside(iy, p.h) && inside(ix, p.w) && c0 < p.c) {
      v = load16(x + (int64_t(iy) * p.w + ix) * p.c + c0, p.c - c0, vec);
    }
    tile[i] = v;
  }
  __syncthreads();

  // 2. One output pixel x V channels per thread.
  const int g = threadIdx.x % kGroups, pix = threadIdx.x / kGroups;
  const int py = pix / kTileW, px = pix % kTileW;
  const int oy = oy0 + py, ox = ox0 + px, c0 = cb + g * V;
  float out[V];
#pragma unroll
  for (int j = 0; j < V; ++j) out[j] = 0.0f;
  if (oy < p.ho && ox < p.wo && c0 < p.c) {
    float acc[V];
    load_floats(t.bias + c0, acc);
#pragma unroll
    for (int ky = 0; ky < k; ++ky) {  // k is a constant when K > 0: fully unrolled
#pragma unroll
      for (int kx = 0; kx < k; ++kx) {
        float xv[V], wv[V];
        unpack16<T>(tile[((py * s + ky) * tile_w_in + px * s + kx) * kGroups + g], xv);
        load_floats(t.weight + int64_t(ky * k + kx) * p.c_stride + c0, wv);
#pragma unroll
        for (int j = 0; j < V; ++j) acc[j] = fmaf(xv[j], wv[j], acc[j]);
      }
    }
#pragma unroll
    for (int j = 0; j < V; ++j) out[j] = activate<A>(acc[j]);
    T* y = static_cast<T*>(t.y) + ((n * p.ho + oy) * p.wo + ox) * p.c + c0;
    store16(y, out, p.c - c0, vec);
    // The sums are of y as stored (rounded to T), channels past c contribute nothing.
#pragma unroll
    for (int j = 0; j < V; ++j) out[j] = c0 + j < p.c ? to_float(from_float<T>(out[j])) : 0.0f;
  }
  if (t.sums == nullptr) return;  // uniform over the grid: no thread is left waiting below

  // 3. Block partial of the SE sums: lanes g, g+8, g+16, g+24 of a warp hold the same channels.
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
#pragma unroll
  for (int j = 0; j < V; ++j) {
    float v = out[j];
    v += __shfl_xor_sync(0xffffffffu, v, 8);
    v += __shfl_xor_sync(0xffffffffu, v, 16);
    if (lane < kGroups) warp_sums[warp][lane * V + j] = v;  // lane < 8: lane == g
  }
  __syncthreads();
  if (threadIdx.x < kGroups * V) {
    const int c = cb + threadIdx.x;
    float sum = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) sum += warp_sums[w][threadIdx.x];
    if (c < p.c) t.partial[(n * gridDim.x + blockIdx.x) * p.c + c] = sum;
  }
}

template <typename T, int K>
void launch_k(const DwconvParams& p, const DwconvTensors& t, cudaStream_t stream) {
  const dim3 grid(unsigned(tiles_per_image(p)), unsigned(ceil_div(p.c, kGroups * kLanes<T>)), unsigned(p.batch));
  const int64_t smem = int64_t(tile_in(kTileH, p.stride, p.k)) * tile_in(kTileW, p.stride, p.k) * kGroups * 16;
  switch (p.act) {
    case Act::none: {
      auto* kernel = dwconv_bn_act_kernel<T, Act::none, K>;
      ensure_dynamic_smem(reinterpret_cast<const void*>(kernel), smem, "dwconv_bn_act input tile");
      kernel<<<grid, kThreads, size_t(smem), stream>>>(p, t);
      break;
    }
    case Act::swish: {
      auto* kernel = dwconv_bn_act_kernel<T, Act::swish, K>;
      ensure_dynamic_smem(reinterpret_cast<const void*>(kernel), smem, "dwconv_bn_act input tile");
      kernel<<<grid, kThreads, size_t(smem), stream>>>(p, t);
      break;
    }
  }
  EFFNET_CUDA_CHECK_LAUNCH("dwconv_bn_act_kernel");
}

template <typename T>
void launch_typed(const DwconvParams& p, const DwconvTensors& t, cudaStream_t stream) {
  switch (p.k) {
    case 3:
      return launch_k<T, 3>(p, t, stream);
    case 5:
      return launch_k<T, 5>(p, t, stream);
    default:
      return launch_k<T, 0>(p, t, stream);
  }
}

}  // namespace

int32_t dwconv_channel_stride(int32_t c) { return (c + 7) / 8 * 8; }

HostPacked pack_dwconv_bn_act(const OpDesc& op, const ValueDesc& in) {
  const int64_t k2 = int64_t(op.k) * op.k, c = in.c, cs = dwconv_channel_stride(in.c);
  HostPacked packed;
  packed.w.assign(size_t(k2 * cs) * sizeof(float), 0);
  packed.b.assign(size_t(cs) * sizeof(float), 0);
  float* w = reinterpret_cast<float*>(packed.w.data());
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t tap = 0; tap < k2; ++tap) w[tap * cs + ch] = op.weight[size_t(ch * k2 + tap)];
  std::memcpy(packed.b.data(), op.bias.data(), op.bias.size() * sizeof(float));
  return packed;
}

int64_t dwconv_bn_act_scratch_bytes(const DwconvParams& p, bool sums) {
  return sums ? int64_t(p.batch) * tiles_per_image(p) * p.c * int64_t(sizeof(float)) : 0;
}

// The enum-to-template switch: storage type x k x activation.
void launch_dwconv_bn_act(const DwconvParams& p, const DwconvTensors& t, cudaStream_t stream) {
  if (p.type == DType::f16) {
    launch_typed<__half>(p, t, stream);
  } else {
    launch_typed<float>(p, t, stream);
  }
  if (t.sums != nullptr) {
    launch_reduce_partials(t.partial, t.sums, p.batch, int32_t(tiles_per_image(p)), p.c, 1.0f, stream);
  }
}

}  // namespace cuda
}  // namespace effnet
