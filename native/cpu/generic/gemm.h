// The packed GEMM micro-tile shared by pwconv_bn_act, head_pool and linear (all of them are
// [rows, Cin] x [Cin, Cout] products with different epilogues).
//
// Packed B: the plan's [Cout, Cin] weight, cut into blocks of kGemmNr output channels and stored
// [block][Cin][kGemmNr] (zero-padded past Cout), so the tile's inner loop reads kGemmNr contiguous
// weights per input channel. The bias is padded to whole blocks with zeros.
//
// gemm_tile<MR, Gated>: acc[r][j] = bias[j] + sum_ci (a[r,ci] * gate[ci]) * Bblock[ci][j] for MR rows.
// The SE gate is applied to A as it is loaded, so the gated tensor is never written. The j loop is
// a fixed-length axpy that GCC vectorises; MR rows share each weight load.
#pragma once
#include <cstdint>
#include <cstring>

#include "cpu/kernel_api.h"

namespace effnet {

inline constexpr int64_t kGemmNr = 8;    // output channels per packed block (2 SSE registers)
inline constexpr int64_t kGemmMr = 4;    // rows per micro-tile: 8 accumulator registers
inline constexpr int64_t kGemmRowsPerTask = 64;
inline constexpr int64_t kGemmBlocksPerTask = 8;  // 64 output channels

inline int64_t gemm_blocks(int64_t cout) { return (cout + kGemmNr - 1) / kGemmNr; }

// GCC/Clang vector extension, 4 floats: the register width every x86-64 and arm64 CPU has (a
// wider type than the target's registers gets lowered through memory). Plain loops here get
// SLP-vectorised across rows with shuffles; explicit vector locals stay in registers. The SIMD
// levels have their own register-blocked GEMM (cpu/simd/gemm.h).
#if defined(__GNUC__)
typedef float GemmVec __attribute__((vector_size(16), aligned(4)));
#define EFFNET_GEMM_VECTOR 1
static_assert(kGemmNr == 8, "the vector tile below holds 2 x 4 floats per row");
#endif

template <int64_t MR, bool Gated>
inline void gemm_tile(const float* __restrict a, int64_t lda, const float* __restrict gate,
                      const float* __restrict bblock, const float* __restrict bias, int64_t cin,
                      float (&acc)[MR][kGemmNr]) {
  static_assert(MR >= 1 && MR <= 4, "gemm_tile keeps at most 4 rows in registers");
#if defined(EFFNET_GEMM_VECTOR)
  GemmVec lo, hi;
  std::memcpy(&lo, bias, sizeof(lo));
  std::memcpy(&hi, bias + 4, sizeof(hi));
  GemmVec l0 = lo, h0 = hi, l1 = lo, h1 = hi, l2 = lo, h2 = hi, l3 = lo, h3 = hi;  // unused rows are dropped
  for (int64_t ci = 0; ci < cin; ++ci) {
    GemmVec wl, wh;
    std::memcpy(&wl, bblock + ci * kGemmNr, sizeof(wl));
    std::memcpy(&wh, bblock + ci * kGemmNr + 4, sizeof(wh));
    const float g = Gated ? gate[ci] : 1.0f;
    const float a0 = Gated ? a[ci] * g : a[ci];
    l0 += a0 * wl;
    h0 += a0 * wh;
    if (MR > 1) {
      const float a1 = Gated ? a[lda + ci] * g : a[lda + ci];
      l1 += a1 * wl;
      h1 += a1 * wh;
    }
    if (MR > 2) {
      const float a2 = Gated ? a[2 * lda + ci] * g : a[2 * lda + ci];
      l2 += a2 * wl;
      h2 += a2 * wh;
    }
    if (MR > 3) {
      const float a3 = Gated ? a[3 * lda + ci] * g : a[3 * lda + ci];
      l3 += a3 * wl;
      h3 += a3 * wh;
    }
  }
  const GemmVec* out[4][2] = {{&l0, &h0}, {&l1, &h1}, {&l2, &h2}, {&l3, &h3}};
  for (int64_t r = 0; r < MR; ++r) {
    std::memcpy(acc[r], out[r][0], sizeof(GemmVec));
    std::memcpy(acc[r] + 4, out[r][1], sizeof(GemmVec));
  }
#else
  for (int64_t r = 0; r < MR; ++r) {
    for (int64_t j = 0; j < kGemmNr; ++j) acc[r][j] = bias[j];
  }
  for (int64_t ci = 0; ci < cin; ++ci) {
    const float* __restrict w = bblock + ci * kGemmNr;
    for (int64_t r = 0; r < MR; ++r) {
      const float av = Gated ? a[r * lda + ci] * gate[ci] : a[r * lda + ci];
      for (int64_t j = 0; j < kGemmNr; ++j) acc[r][j] += av * w[j];
    }
  }
#endif
}

// Rows [row0, row0 + rows) of A against packed block `block`; calls epi(row, acc_row) per row.
template <bool Gated, class Epilogue>
inline void gemm_rows(const float* a, int64_t lda, const float* gate, const PackedWeights& pw, int64_t cin,
                      int64_t block, int64_t row0, int64_t rows, Epilogue&& epi) {
  const float* bblock = pw.w.data() + block * cin * kGemmNr;
  const float* bias = pw.b.data() + block * kGemmNr;
  int64_t r = 0;
  for (; r + kGemmMr <= rows; r += kGemmMr) {
    float acc[kGemmMr][kGemmNr];
    gemm_tile<kGemmMr, Gated>(a + (row0 + r) * lda, lda, gate, bblock, bias, cin, acc);
    for (int64_t i = 0; i < kGemmMr; ++i) epi(row0 + r + i, acc[i]);
  }
  for (; r < rows; ++r) {
    float acc[1][kGemmNr];
    gemm_tile<1, Gated>(a + (row0 + r) * lda, lda, gate, bblock, bias, cin, acc);
    epi(row0 + r, acc[0]);
  }
}

// The whole pointwise product with pwconv's epilogue (bias, act, residual after the act), over
// `images` groups of `rows_per_image` rows (the gate, if any, is per image). In pwconv_bn_act.cc.
void gemm_bias_act(const KernelArgs& a, int64_t images, int64_t rows_per_image);

}  // namespace effnet
