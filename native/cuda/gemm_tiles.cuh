// The GEMM block tiles shared by pwconv_bn_act and head_pool (both are 1x1 convs):
//   C[m, n] = sum_k A'[m, k] * B[n, k]      A' = A * gate[image(m), k] when a gate is given
// A [m][k] (NHWC activations: pixels x input channels) and B [n][k] (the weights, [cout][cin])
// are both k-contiguous. The SE gate is applied while A is staged into shared memory, so the gated
// tensor is never written to global memory. Each op supplies an epilogue functor
//   epi(m_local, n_local, v0, v1)      values for columns n_local and n_local + 1 (n_local even)
// called once per accumulator pair, for every pair of the tile (the epilogue checks the bounds).
// gemm_block() ends with a __syncthreads() after its last shared-memory read, so an epilogue may
// reuse the tile's shared memory once it has synchronized itself.
//
// fp16 (GemmTile<__half>): 128x64 block tile, k step 32, 256 threads = 8 warps as 4 (m) x 2 (n),
// 32x32 per warp = 2 x 4 tensor-core tiles of m16n8k16 (mma.sync, fp16 in, fp32 accumulate;
// sm_75 runs each as two m16n8k8). Fragments come from shared memory with ldmatrix.x4; rows are
// padded to 40 halves (80 bytes), which makes the 8 row addresses of each ldmatrix phase hit 8
// distinct 16-byte bank groups. Shared memory: 2 stages x (128 + 64) x 40 halves = 30 KiB.
// fp32 (GemmTile<float>): 64x64 block tile, k step 16, 256 threads as 16 x 16, 4x4 outputs per
// thread (SIMT FMA, no TF32: the fp32 path is the accurate one). A and B are stored k-major
// ([k][m], [k][n], rows padded to 68) so a thread's 4 rows / 4 columns are one float4 read.
// Both: double-buffered shared memory with a register prefetch of the next k step (the gate
// multiply needs the data in registers, so cp.async would not save the trip), one barrier per step.
// Global loads are 16-byte vectors along k when k is a multiple of the vector width (every real
// EfficientNet layer); otherwise element-wise with bounds (the op table's odd channel counts).
// Out-of-range rows, columns and k are zero-filled, so the MMA never needs a bounds check.
#pragma once
#include "cuda/device_math.cuh"

namespace effnet {
namespace cuda {

template <typename T>
struct GemmArgs {
  const T* a;            // [m][k]
  int64_t m;
  const T* b;            // [n][k]
  int32_t n, k;
  const float* gate;     // [m / rows_per_image][k] or null
  int32_t rows_per_image;
};

template <typename T>
struct GemmTile;
template <>
struct GemmTile<__half> {
  static constexpr int kBM = 128, kBN = 64, kBK = 32, kThreads = 256;
  static constexpr int kStride = kBK + 8;  // halves per shared-memory row
  static constexpr int kSmemBytes = 2 * (kBM + kBN) * kStride * 2;
};
template <>
struct GemmTile<float> {
  static constexpr int kBM = 64, kBN = 64, kBK = 16, kThreads = 256;
  static constexpr int kStride = kBM + 4;  // floats per shared-memory row (k-major); kBM == kBN
  static constexpr int kSmemBytes = 2 * 2 * kBK * kStride * 4;
};

namespace gemm_detail {

// Loads rows [r0, r0 + ROWS) x [k0, k0 + BK) of a k-contiguous matrix into registers as 16-byte
// vectors (optionally gated), then stores them to one shared-memory stage. Used for A and for B.
template <typename T, int ROWS, int BK, int THREADS>
struct RowTileLoader {
  static constexpr int kV = kLanes<T>;
  static constexpr int kVecsPerRow = BK / kV;
  static constexpr int kCount = ROWS * kVecsPerRow / THREADS;
  static_assert(kCount >= 1 && ROWS * kVecsPerRow % THREADS == 0, "whole vectors per thread");
  uint4 regs[kCount];

  __device__ __forceinline__ void load(const T* src, int64_t rows, int32_t k, int64_t r0, int32_t k0,
                                       const float* gate, int32_t rows_per_image) {
    const bool vec = k % kV == 0;
#pragma unroll
    for (int j = 0; j < kCount; ++j) {
      const int i = int(threadIdx.x) + j * THREADS;
      const int64_t row = r0 + i / kVecsPerRow;
      const int32_t col = k0 + (i % kVecsPerRow) * kV;
      uint4 raw = make_uint4(0, 0, 0, 0);
      if (row < rows && col < k) {
        raw = load16(src + row * k + col, k - col, vec);
        if (gate != nullptr) {
          const float* g = gate + (row / rows_per_image) * k + col;
          float v[kV];
          unpack16<T>(raw, v);
#pragma unroll
          for (int e = 0; e < kV; ++e) v[e] *= col + e < k ? __ldg(g + e) : 0.0f;
          raw = pack16<T>(v);
        }
      }
      regs[j] = raw;
    }
  }

  // fp16 layout: [row][stride] halves, k contiguous (what ldmatrix wants).
  __device__ __forceinline__ void store_row_major(T* stage, int stride) const {
#pragma unroll
    for (int j = 0; j < kCount; ++j) {
      const int i = int(threadIdx.x) + j * THREADS;
      *reinterpret_cast<uint4*>(stage + (i / kVecsPerRow) * stride + (i % kVecsPerRow) * kV) = regs[j];
    }
  }

  // fp32 layout: [k][stride] floats, rows contiguous (one float4 per 4 rows in the FMA loop).
  __device__ __forceinline__ void store_k_major(float* stage, int stride) const {
#pragma unroll
    for (int j = 0; j < kCount; ++j) {
      const int i = int(threadIdx.x) + j * THREADS;
      const int r = i / kVecsPerRow, kk = (i % kVecsPerRow) * kV;
      float v[kV];
      unpack16<T>(regs[j], v);
#pragma unroll
      for (int e = 0; e < kV; ++e) stage[(kk + e) * stride + r] = v[e];
    }
  }
};

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const __half* p) {
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// c += a (16x16, row) * b (16x8, col); fragments in the PTX ISA's m16n8k16 layout.
__device__ __forceinline__ void mma_16816(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#else
  // sm_75 has m16n8k8 only: k 0..7 are a0, a1, b0; k 8..15 are a2, a3, b1.
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5}, {%6}, {%0, %1, %2, %3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(b[0]));
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5}, {%6}, {%0, %1, %2, %3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[2]), "r"(a[3]), "r"(b[1]));
#endif
}

}  // namespace gemm_detail

// Tensor-core block tile (fp16 storage, fp32 accumulation).
template <typename Epi>
__device__ __forceinline__ void gemm_block(const GemmArgs<__half>& g, int64_t m0, int32_t n0, char* smem, Epi& epi) {
  using Tile = GemmTile<__half>;
  constexpr int BM = Tile::kBM, BN = Tile::kBN, BK = Tile::kBK, S = Tile::kStride;
  __half* a_stages = reinterpret_cast<__half*>(smem);  // [2][BM][S]
  __half* b_stages = a_stages + 2 * BM * S;             // [2][BN][S]
  gemm_detail::RowTileLoader<__half, BM, BK, Tile::kThreads> la;
  gemm_detail::RowTileLoader<__half, BN, BK, Tile::kThreads> lb;

  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int wm = (warp % 4) * 32, wn = (warp / 4) * 32;
  float acc[2][4][4];
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.0f;

  const int ktiles = ceil_div(g.k, BK);
  la.load(g.a, g.m, g.k, m0, 0, g.gate, g.rows_per_image);
  lb.load(g.b, g.n, g.k, n0, 0, nullptr, 1);
  la.store_row_major(a_stages, S);
  lb.store_row_major(b_stages, S);
  __syncthreads();

  for (int kt = 0; kt < ktiles; ++kt) {
    const int stage = kt & 1;
    const bool more = kt + 1 < ktiles;
    if (more) {  // next k step into registers while this one computes
      la.load(g.a, g.m, g.k, m0, (kt + 1) * BK, g.gate, g.rows_per_image);
      lb.load(g.b, g.n, g.k, n0, (kt + 1) * BK, nullptr, 1);
    }
    const __half* a_tile = a_stages + stage * BM * S;
    const __half* b_tile = b_stages + stage * BN * S;
#pragma unroll
    for (int kk = 0; kk < BK; kk += 16) {
      // ldmatrix.x4 lane addresses. A: lanes 0-15 rows 0-15 at k 0, lanes 16-31 rows 0-15 at k 8
      // -> a0..a3. B (stored [n][k]): lanes 0-7 n 0-7 k 0, 8-15 n 0-7 k 8, 16-23 n 8-15 k 0,
      // 24-31 n 8-15 k 8 -> b0, b1 of one n8 tile, then b0, b1 of the next.
      uint32_t af[2][4], bf[4][2];
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        gemm_detail::ldmatrix_x4(af[i], a_tile + (wm + i * 16 + (lane & 15)) * S + kk + (lane >> 4) * 8);
      }
#pragma unroll
      for (int jp = 0; jp < 2; ++jp) {
        uint32_t r[4];
        gemm_detail::ldmatrix_x4(r, b_tile + (wn + jp * 16 + (lane & 7) + (lane >> 4) * 8) * S + kk +
                                        ((lane >> 3) & 1) * 8);
        bf[2 * jp][0] = r[0];
        bf[2 * jp][1] = r[1];
        bf[2 * jp + 1][0] = r[2];
        bf[2 * jp + 1][1] = r[3];
      }
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) gemm_detail::mma_16816(acc[i][j], af[i], bf[j]);
    }
    if (more) {
      la.store_row_major(a_stages + (stage ^ 1) * BM * S, S);
      lb.store_row_major(b_stages + (stage ^ 1) * BN * S, S);
    }
    __syncthreads();  // this stage is read by all, the next one written by all
  }

  // Accumulator layout (m16n8): c0, c1 at row lane/4, columns 2*(lane%4) + {0, 1}; c2, c3 at row + 8.
  const int qr = lane >> 2, qc = (lane & 3) * 2;
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int r = wm + i * 16 + qr, c = wn + j * 8 + qc;
      epi(r, c, acc[i][j][0], acc[i][j][1]);
      epi(r + 8, c, acc[i][j][2], acc[i][j][3]);
    }
}

// SIMT block tile (fp32 storage and math).
template <typename Epi>
__device__ __forceinline__ void gemm_block(const GemmArgs<float>& g, int64_t m0, int32_t n0, char* smem, Epi& epi) {
  using Tile = GemmTile<float>;
  constexpr int BM = Tile::kBM, BN = Tile::kBN, BK = Tile::kBK, S = Tile::kStride;
  static_assert(BM == BN, "one k-major stride for A and B");
  float* a_stages = reinterpret_cast<float*>(smem);  // [2][BK][S]
  float* b_stages = a_stages + 2 * BK * S;            // [2][BK][S]
  gemm_detail::RowTileLoader<float, BM, BK, Tile::kThreads> la;
  gemm_detail::RowTileLoader<float, BN, BK, Tile::kThreads> lb;

  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  float acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;

  const int ktiles = ceil_div(g.k, BK);
  la.load(g.a, g.m, g.k, m0, 0, g.gate, g.rows_per_image);
  lb.load(g.b, g.n, g.k, n0, 0, nullptr, 1);
  la.store_k_major(a_stages, S);
  lb.store_k_major(b_stages, S);
  __syncthreads();

  for (int kt = 0; kt < ktiles; ++kt) {
    const int stage = kt & 1;
    const bool more = kt + 1 < ktiles;
    if (more) {
      la.load(g.a, g.m, g.k, m0, (kt + 1) * BK, g.gate, g.rows_per_image);
      lb.load(g.b, g.n, g.k, n0, (kt + 1) * BK, nullptr, 1);
    }
    const float* a_tile = a_stages + stage * BK * S;
    const float* b_tile = b_stages + stage * BK * S;
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      const float4 a = *reinterpret_cast<const float4*>(a_tile + kk * S + ty * 4);
      const float4 b = *reinterpret_cast<const float4*>(b_tile + kk * S + tx * 4);
      const float av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    if (more) {
      la.store_k_major(a_stages + (stage ^ 1) * BK * S, S);
      lb.store_k_major(b_stages + (stage ^ 1) * BK * S, S);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 4; ++i) {
    epi(ty * 4 + i, tx * 4, acc[i][0], acc[i][1]);
    epi(ty * 4 + i, tx * 4 + 2, acc[i][2], acc[i][3]);
  }
}

}  // namespace cuda
}  // namespace effnet
