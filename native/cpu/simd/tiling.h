// How the SIMD kernels cut their work into thread-pool tasks, and the scratch that needs. Plain C++
// (no vector code), shared by every SIMD level, so the split logic exists once.
//
// Determinism: where partial sums are reduced (dwconv_bn_act's SE sums, head_pool's average pool)
// the partials' partition depends only on the shape (dwconv_bn_act: one per output row), never on
// the thread count, and partials are reduced in partition order; so results are bit-identical for
// any number of threads. Plain GEMM outputs are each computed by one micro-tile in fixed K order,
// so their split may follow the thread count.
#pragma once
#include <cstdint>

#include "cpu/kernel_api.h"

namespace effnet {
namespace simd {

inline constexpr int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }
inline constexpr int64_t ceil_div(int64_t v, int64_t m) { return (v + m - 1) / m; }

// Channel padding of packed dw/conv/se weights and of per-channel partial sums: a multiple of every
// level's vector width, so weights are always read as whole vectors (the pad is zero).
inline constexpr int64_t kChannelPad = 16;
// Rows of the largest GEMM micro-tile of any level (the A tile in scratch has at least this many).
inline constexpr int64_t kGemmMaxMr = 8;
// A GEMM task of more than one micro-tile and at most this many rows, whose pair of weight panels
// fits in L1 beside an A tile, reads its panels outer (cpu/simd/gemm.h's gemm_task), its A rows
// prepared all at once when they must be (gated, bf16).
inline constexpr int64_t kGemmPanelOuterRows = 64;
inline constexpr int64_t kGemmPanelOuterPairBytes = 40 * 1024;
// The A tile holds that many prepared rows where K is small enough for a task to go panels outer
// (K <= 640: a bf16 panel pair of 40 KiB), else kGemmMaxMr (the tile of one micro-tile).
inline constexpr int64_t kGemmTileMaxFloats = kGemmPanelOuterRows * 640;

// dwconv_bn_act: bands of output rows per image. Its SE sums are partials per output row, so the
// bands may follow the thread count: about 2 tasks per thread over the batch (the pool's ranges
// even out the rest), each band as tall as that allows, for the row blocks (dwconv_bn_act.h); but
// where that leaves bands under 2 rows on average, one row each, the finest split (7x7 maps at
// batch 1 on 2 threads: 7 bands ran up to 1.1x faster than 4).
inline int64_t dw_bands(const ValueDesc& out, int32_t batch, int32_t threads) {
  const int64_t want = ceil_div(2 * int64_t(threads > 1 ? threads : 1), batch > 1 ? batch : 1);
  return out.h < 2 * want ? out.h : want;
}

// head_pool: rows per pooled-partial chunk; chunks never straddle images (fixed by the shape).
inline constexpr int64_t kHeadChunkRows = 64;
inline int64_t head_chunks(const ValueDesc& in) { return ceil_div(int64_t(in.h) * in.w, kHeadChunkRows); }
// head_pool's pooled partials [image][chunk][Cout padded], at the start of its scratch.
inline int64_t head_partial_floats(const ValueDesc& in, const ValueDesc& out, int32_t batch) {
  return int64_t(batch) * head_chunks(in) * round_up(out.c, kChannelPad);
}

// Rows of K one thread's GEMM A tile holds (gated fp32 rows or bf16 pairs).
inline int64_t gemm_tile_capacity(int64_t k) {
  return kGemmPanelOuterRows * round_up(k, kChannelPad) <= kGemmTileMaxFloats ? kGemmPanelOuterRows : kGemmMaxMr;
}
// Its size in floats, a multiple of 16 so consecutive threads' tiles stay 64-byte aligned.
inline int64_t gemm_tile_floats(int64_t k) { return gemm_tile_capacity(k) * round_up(k, kChannelPad); }

// A GEMM's task grid: row chunks (multiples of mr) x column chunks (multiples of nv panels).
struct GemmSplit {
  int64_t row_chunk = 0, row_chunks = 0;      // rows per task, number of row chunks
  int64_t panel_chunk = 0, panel_chunks = 0;  // panels (of the vector width) per task
};
// m rows, `panels` weight panels of w floats each, k inputs. Column chunks start at the size whose
// weights stay in L2 while a task's row tiles sweep them (rows at 256 per chunk); then a few finer
// grids are tried and the one whose busiest thread has the least work wins, so 2 threads get equal
// halves even for m = 7x7 = 49 (7 row tiles). fixed_rows > 0 forces the row chunk (head_pool).
GemmSplit gemm_split(int64_t m, int64_t panels, int64_t k, int64_t w, int64_t mr, int64_t nv, int32_t threads,
                     int64_t fixed_rows = 0);

// pwconv_bn_act with an SE gate: whether each image's gate scales the op's packed weights
// (K x Cout) instead of its input rows (rows x K), as cpu/simd/pwconv_bn_act.h explains: where an
// image has at least kGateWeightsRatio times as many rows as the op has (padded) output channels.
// 4 against 2 (B0 per step, `effnet_run --profile`): 2 also takes the 14x14 projects to 80 channels
// (196 rows, 2.45x), 5-9 % faster on 1 thread (batch 1 and 8) but not at batch 1 on 2 threads
// (0.019-0.020, 0.036-0.038, 0.036-0.038 ms with gated rows, 0.020, 0.038, 0.038 with gated
// weights; each thread scaling its own copy instead of the calling thread for both: no better),
// where each thread has only half the rows but needs all the weights. A rule by rows per thread
// would make results depend on the thread count.
inline constexpr int64_t kGateWeightsRatio = 4;
inline bool gate_in_weights(int64_t rows_per_image, int64_t cout) {
  return round_up(cout, kChannelPad) * kGateWeightsRatio <= rows_per_image;
}

// Scratch entries of the SIMD kernel tables (sizes in floats).
int64_t dwconv_bn_act_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                              int32_t batch);
int64_t se_gate_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                        int32_t batch);
int64_t pwconv_bn_act_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                              int32_t batch);
int64_t head_pool_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                          int32_t batch);
// For a GEMM whose A rows always go through the tile (the bf16 level): every pool thread's tile,
// after head_pool's partials for head_pool.
int64_t gemm_tiles_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                           int32_t batch);
int64_t head_pool_tiles_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                                int32_t batch);

}  // namespace simd
}  // namespace effnet
