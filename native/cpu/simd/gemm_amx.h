// The bf16 GEMM on AMX tiles (Intel Sapphire Rapids and later): precision 'bf16' where the CPU
// has AMX-BF16 and the OS lets the process use it (cpu/avx512_bf16/kernels.cc decides). The same
// layouts as cpu/simd/gemm_bf16.h, so the same packing and A preparation:
//   B panel [ceil(K/2)][16][2] bf16: 16 pair-rows of a panel (64 bytes each) are one AMX B tile;
//   A tile rows of ceil(K/2) pairs: 16 pairs of 8 rows are one AMX A tile (stride lda * 4 bytes).
// A micro-tile of 8 rows x NV panels (NV <= 3): C tiles tmm0..tmm2, A tmm3, B tmm4..tmm6. Each
// whole chunk of 32 K values is one tdpbf16ps per panel into fp32 C tiles; the C tiles go to a
// stack buffer, the bias is added, and the pairs left over (ceil(K/2) mod 16) are added on the
// AVX-512 registers by vdpbf16ps steps, as on the avx512-bf16 kernels. Each output is computed
// the same way wherever its row falls, so results are independent of thread count and batch.
// The A tile always loads 8 rows; a tile of fewer rows reads rows past its own (inside the
// thread's scratch tile, which bf16's half-width rows leave room for) and drops their results.
// Include only between the target pragmas of cpu/avx512_bf16/kernels.cc (AMX-TILE, AMX-BF16).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "cpu/simd/gemm_bf16.h"

namespace effnet {
namespace simd {

struct Avx512Amx : Avx512Bf16 {
  static constexpr int kGemmNv = 3;  // three C tiles; A and three B tiles take the other four
};

struct AmxDot : Bf16Dot {
  static constexpr bool kAmx = true;
};

template <>
struct GemmDotOf<Avx512Amx> {
  using type = AmxDot;
};

// Pairs per AMX chunk: 64 bytes of a tile row.
inline constexpr int64_t kAmxPairs = 16;

// Palette 1: tiles 0-3 of 8 rows (C, A), tiles 4-6 of 16 rows (B), 64 bytes a row each. Loaded
// at the start of every GEMM task on its thread, released at its end (a thread may run other
// code between tasks, and a released tile state costs the kernel nothing to switch).
struct alignas(64) AmxConfig {
  uint8_t palette = 1, start_row = 0, reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 64, 64, 64, 64, 64};
  uint8_t rows[16] = {8, 8, 8, 8, 16, 16, 16};
};

template <class V>
void amx_task_begin() {
  static const AmxConfig config;
  _tile_loadconfig(&config);
}

template <class V>
void amx_task_end() {
  _tile_release();
}

template <class V, int MR, int NV>
void gemm_micro_amx(const typename GemmDot<V>::A* a, int64_t lda, const float* b, int64_t k, const float* bias,
                    typename V::T (&acc)[MR][NV], const char* pf, const char* pf_end) {
  static_assert(MR <= 8 && NV <= 3, "the AMX tile holds 8 rows of at most 3 panels");
  using Dot = GemmDot<V>;
  const int64_t panel = Dot::panel_floats(k), pairs = Dot::lda(k), chunks = pairs / kAmxPairs;
  for (; pf < pf_end; pf += 64) __builtin_prefetch(pf, 0, 3);
  if (chunks > 0) {
    _tile_zero(0);
    if constexpr (NV > 1) _tile_zero(1);
    if constexpr (NV > 2) _tile_zero(2);
    const int64_t a_stride = lda * int64_t(sizeof(uint32_t));
    for (int64_t c = 0; c < chunks; ++c) {
      const float* bc = b + c * kAmxPairs * V::W;  // 16 pair-rows of 16 lanes
      _tile_loadd(3, a + c * kAmxPairs, a_stride);
      _tile_loadd(4, bc, 64);
      _tile_dpbf16ps(0, 3, 4);
      if constexpr (NV > 1) {
        _tile_loadd(5, bc + panel, 64);
        _tile_dpbf16ps(1, 3, 5);
      }
      if constexpr (NV > 2) {
        _tile_loadd(6, bc + 2 * panel, 64);
        _tile_dpbf16ps(2, 3, 6);
      }
    }
    alignas(64) float c_tiles[NV][8][16];
    _tile_stored(0, c_tiles[0], 64);
    if constexpr (NV > 1) _tile_stored(1, c_tiles[1], 64);
    if constexpr (NV > 2) _tile_stored(2, c_tiles[2], 64);
    for (int j = 0; j < NV; ++j) {
      const typename V::T bj = V::load(bias + j * V::W);
      for (int r = 0; r < MR; ++r) acc[r][j] = V::add(V::load(c_tiles[j][r]), bj);
    }
  } else {
    for (int j = 0; j < NV; ++j) {
      const typename V::T bj = V::load(bias + j * V::W);
      for (int r = 0; r < MR; ++r) acc[r][j] = bj;
    }
  }
  for (int64_t kk = chunks * kAmxPairs; kk < pairs; ++kk) {
    typename Dot::BOp bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = Dot::b_at(b + j * panel, kk);
    for (int r = 0; r < MR; ++r) {
      const typename Dot::AOp av = Dot::a_at(a + r * lda, kk);
      for (int j = 0; j < NV; ++j) acc[r][j] = Dot::madd(av, bv[j], acc[r][j]);
    }
  }
}

}  // namespace simd
}  // namespace effnet
