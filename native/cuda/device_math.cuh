// Device-side helpers every kernel shares, in one place: activations, fp32/fp16 storage, 16-byte
// vectors over channels, window (padding) arithmetic, warp sums, and the host-side launch helpers
// (grid sizes, dynamic shared memory). Included only by the .cu files of this folder.
//
// Precision: storage is fp32 or fp16 (T); every product and sum is fp32. expf is the accurate one
// (no --use_fast_math, no __expf): the fp32 path must match the CPU reference to 1e-4.
#pragma once
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/cuda_check.h"
#include "cuda/launch.h"
#include "effnet/error.h"
#include "effnet/plan.h"

namespace effnet {
namespace cuda {

// ---- integers -------------------------------------------------------------------------------------
template <typename I>
__host__ __device__ constexpr I ceil_div(I a, I b) {
  return (a + b - 1) / b;
}

// ---- window arithmetic: one definition of "which input pixel does output o, tap t read" -----------
// Input coordinate of tap `t` for output coordinate `o`: o * stride - pad_before + t. Outside
// [0, size) it reads the zero padding. The four pads are explicit (TF SAME is asymmetric), and only
// the top/left ones enter here: the bottom/right ones are implied by the output size.
__device__ __forceinline__ int window_start(int o, int stride, int pad_before) { return o * stride - pad_before; }
__device__ __forceinline__ bool inside(int i, int size) { return unsigned(i) < unsigned(size); }

// ---- activations (the BN+act epilogues: the activation is a template parameter) ------------------
template <Act A>
__device__ __forceinline__ float activate(float v);
template <>
__device__ __forceinline__ float activate<Act::none>(float v) {
  return v;
}
template <>
__device__ __forceinline__ float activate<Act::swish>(float v) {
  return v / (1.0f + expf(-v));  // v * sigmoid(v); for v -> -inf expf overflows to inf and v/inf = -0
}
__device__ __forceinline__ float sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

// ---- storage types --------------------------------------------------------------------------------
__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
template <typename T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) {
  return v;
}
template <>
__device__ __forceinline__ __half from_float<__half>(float v) {
  return __float2half_rn(v);
}

template <DType D>
struct StorageOf;
template <>
struct StorageOf<DType::f32> {
  using type = float;
};
template <>
struct StorageOf<DType::f16> {
  using type = __half;
};

// ---- 16-byte vectors over channels ----------------------------------------------------------------
// One uint4 holds kLanes<T> channels (4 floats or 8 halves). Vector loads are used only when the
// channel count is a multiple of kLanes (then every pixel row starts 16-byte aligned); otherwise the
// element-wise fallbacks below read the same data with a bounds check per channel.
template <typename T>
inline constexpr int kLanes = 16 / int(sizeof(T));

template <typename T>
__device__ __forceinline__ void unpack16(const uint4& raw, float (&v)[kLanes<T>]);
template <>
__device__ __forceinline__ void unpack16<float>(const uint4& raw, float (&v)[4]) {
  v[0] = __uint_as_float(raw.x);
  v[1] = __uint_as_float(raw.y);
  v[2] = __uint_as_float(raw.z);
  v[3] = __uint_as_float(raw.w);
}
template <>
__device__ __forceinline__ void unpack16<__half>(const uint4& raw, float (&v)[8]) {
  const uint32_t words[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    __half2 h;
    static_assert(sizeof(h) == sizeof(words[i]), "half2 is one word");
    memcpy(&h, &words[i], sizeof(h));
    const float2 f = __half22float2(h);
    v[2 * i] = f.x;
    v[2 * i + 1] = f.y;
  }
}

template <typename T>
__device__ __forceinline__ uint4 pack16(const float (&v)[kLanes<T>]);
template <>
__device__ __forceinline__ uint4 pack16<float>(const float (&v)[4]) {
  return make_uint4(__float_as_uint(v[0]), __float_as_uint(v[1]), __float_as_uint(v[2]), __float_as_uint(v[3]));
}
template <>
__device__ __forceinline__ uint4 pack16<__half>(const float (&v)[8]) {
  uint32_t words[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const __half2 h = __floats2half2_rn(v[2 * i], v[2 * i + 1]);
    memcpy(&words[i], &h, sizeof(h));
  }
  return make_uint4(words[0], words[1], words[2], words[3]);
}

// kLanes<T> channels starting at p; channels at or past `valid` read as zero. `aligned`: p is
// 16-byte aligned and valid >= kLanes (one vector load through the read-only path).
template <typename T>
__device__ __forceinline__ uint4 load16(const T* p, int valid, bool aligned) {
  if (aligned) return __ldg(reinterpret_cast<const uint4*>(p));
  float v[kLanes<T>];
#pragma unroll
  for (int i = 0; i < kLanes<T>; ++i) v[i] = i < valid ? to_float(p[i]) : 0.0f;
  return pack16<T>(v);
}

// Stores the first min(valid, kLanes) channels of v at p (one vector store when `aligned`).
template <typename T>
__device__ __forceinline__ void store16(T* p, const float (&v)[kLanes<T>], int valid, bool aligned) {
  if (aligned) {
    *reinterpret_cast<uint4*>(p) = pack16<T>(v);
    return;
  }
#pragma unroll
  for (int i = 0; i < kLanes<T>; ++i) {
    if (i < valid) p[i] = from_float<T>(v[i]);
  }
}

// n consecutive fp32 values (n a multiple of 4, p 16-byte aligned) through the read-only path.
template <int N>
__device__ __forceinline__ void load_floats(const float* p, float (&v)[N]) {
  static_assert(N % 4 == 0, "whole float4s");
#pragma unroll
  for (int i = 0; i < N; i += 4) {
    const float4 f = __ldg(reinterpret_cast<const float4*>(p + i));
    v[i] = f.x;
    v[i + 1] = f.y;
    v[i + 2] = f.z;
    v[i + 3] = f.w;
  }
}

// ---- reductions -----------------------------------------------------------------------------------
// Butterfly sum over the whole warp: every lane gets the total, in the same order on every run.
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// ---- host-side launch helpers ---------------------------------------------------------------------
inline constexpr int64_t kMaxGridX = 2147483647;

// Grid for a grid-stride loop over n items with `block` threads: enough blocks to fill any GPU
// many times over (2^20), never more than needed.
inline unsigned grid_for(int64_t n, int block) {
  const int64_t blocks = ceil_div<int64_t>(n, block);
  return unsigned(blocks < 1 ? 1 : (blocks > (int64_t(1) << 20) ? (int64_t(1) << 20) : blocks));
}

}  // namespace cuda
}  // namespace effnet
