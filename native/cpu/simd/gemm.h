// The packed GEMM of the SIMD levels, written once over a vector type V: pwconv_bn_act, head_pool and
// linear are all C[M, N] = A[M, K] x B[K, N] + bias with different epilogues.
//   C[m, n] = epilogue(bias[n] + sum_k (A[m, k] * gate[image(m), k]) * B[k, n])
// Layouts: A row-major [M, K] (NHWC activations: M = N*H*W, K = Cin); B packed by
// cpu/simd/packing.h into panels of V::W output channels [panel][K][W].
// Micro-tile: MR rows x NV vectors (V::kGemmMr x V::kGemmNv: 8 x 32 floats on AVX-512, 6 x 16 on
// AVX2), accumulators in registers for the whole K loop, started at the bias; each k step loads NV
// weight vectors and broadcasts MR scalars of A. Row tails run the same kernel instantiated with
// fewer rows, column tails (an odd panel count) with NV = 1; lanes past N are computed on the zero
// pad and never stored. No K blocking: at EfficientNet's K (<= 3840) a tile's B panel streams from
// L2 at ~8 bytes per FMA cycle, well under L2 bandwidth, and skipping C reloads keeps the epilogue
// single-pass.
// The SE gate: a tile's MR gated rows are written once to a per-thread scratch tile (vector
// multiplies) and reused by every panel of the task, so the gated tensor never exists in memory.
// Tasks: cpu/simd/tiling.h's gemm_split grid (row chunk x panel chunk); a task sweeps its row tiles
// (outer) over its panels (inner), so the panel chunk stays in L2 and the A tile in L1.
// Precision: fp32 FMA accumulation in K order; each output is computed by exactly one tile.
#pragma once
#include <cstdint>

#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"

namespace effnet {
namespace simd {

struct GemmArgs {
  const float* a = nullptr;
  int64_t k = 0, n = 0;            // A is [*, k] with row stride k; C has n columns
  const float* b = nullptr;        // packed panels
  const float* bias = nullptr;     // padded to whole panels
  const float* gate = nullptr;     // [images, k] or null
  int64_t rows_per_image = 1;      // which gate row a GEMM row uses
};

template <class V, int MR, int NV>
EFFNET_SIMD_INLINE void gemm_micro(const float* __restrict a, int64_t lda, const float* __restrict b, int64_t k,
                                   const float* __restrict bias, typename V::T (&acc)[MR][NV]) {
  using T = typename V::T;
  const int64_t panel = k * V::W;
#pragma GCC unroll 8
  for (int j = 0; j < NV; ++j) {
    const T bj = V::load(bias + j * V::W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) acc[r][j] = bj;
  }
  for (int64_t kk = 0; kk < k; ++kk) {
    T bv[NV];
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) bv[j] = V::load(b + j * panel + kk * V::W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const T av = V::set1(a[r * lda + kk]);
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[r][j] = V::fmadd(av, bv[j], acc[r][j]);
    }
  }
}

// One tile: MR rows from `row`, panels [p, p + nv) with nv = NV or 1 (the odd last panel).
template <class V, int MR, class Epi>
void gemm_tile(const float* a, int64_t lda, const GemmArgs& g, int64_t row, int64_t p, int64_t nv, const Epi& epi) {
  constexpr int NV = V::kGemmNv;
  static_assert(NV == 2, "tiles are NV = 2 vectors wide, with NV = 1 for an odd last panel");
  const float* b = g.b + p * g.k * V::W;
  const float* bias = g.bias + p * V::W;
  if (nv == NV) {
    typename V::T acc[MR][NV];
    gemm_micro<V, MR, NV>(a, lda, b, g.k, bias, acc);
    epi.template tile<MR, NV>(row, p, acc);
  } else {
    typename V::T acc[MR][1];
    gemm_micro<V, MR, 1>(a, lda, b, g.k, bias, acc);
    epi.template tile<MR, 1>(row, p, acc);
  }
}

// Row-tail dispatch: `rows` (1..MR) picks the instantiation with exactly that many rows.
template <class V, int MR, class Epi>
EFFNET_SIMD_INLINE void gemm_tile_rows(int64_t rows, const float* a, int64_t lda, const GemmArgs& g, int64_t row,
                                       int64_t p, int64_t nv, const Epi& epi) {
  if constexpr (MR > 1) {
    if (rows < MR) {
      gemm_tile_rows<V, MR - 1, Epi>(rows, a, lda, g, row, p, nv, epi);
      return;
    }
  }
  gemm_tile<V, MR, Epi>(a, lda, g, row, p, nv, epi);
}

// dst[r, :] = A[row + r, :] * gate[image(row + r), :] for r < rows (rows of A may span images).
template <class V>
void gemm_gate_rows(const GemmArgs& g, int64_t row, int64_t rows, float* __restrict dst) {
  const int64_t k = g.k, full = k / V::W * V::W;
  const auto tail = V::mask(k - full);
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict x = g.a + (row + r) * k;
    const float* __restrict s = g.gate + (row + r) / g.rows_per_image * k;
    float* __restrict d = dst + r * k;
    int64_t c = 0;
    for (; c < full; c += V::W) V::store(d + c, V::mul(V::load(x + c), V::load(s + c)));
    if (c < k) V::store(d + c, V::mul(V::load(x + c, tail), V::load(s + c, tail)), tail);
  }
}

// The task [r0, r1) x panels [p0, p1). a_tile: kGemmMaxMr * K floats of this thread's scratch.
template <class V, class Epi>
void gemm_task(const GemmArgs& g, int64_t r0, int64_t r1, int64_t p0, int64_t p1, float* a_tile, const Epi& epi) {
  constexpr int MR = V::kGemmMr, NV = V::kGemmNv;
  static_assert(MR <= kGemmMaxMr, "scratch tiles hold kGemmMaxMr rows");
  for (int64_t row = r0; row < r1; row += MR) {
    const int64_t rows = r1 - row < MR ? r1 - row : MR;
    const float* a = g.a + row * g.k;
    if (g.gate != nullptr) {
      gemm_gate_rows<V>(g, row, rows, a_tile);
      a = a_tile;
    }
    for (int64_t p = p0; p < p1; p += NV) {
      gemm_tile_rows<V, MR, Epi>(rows, a, g.k, g, row, p, p1 - p < NV ? p1 - p : NV, epi);
    }
  }
}

}  // namespace simd
}  // namespace effnet
