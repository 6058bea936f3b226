// The packed GEMM of the SIMD levels, written once over a vector type V: pwconv_bn_act, head_pool and
// linear are all C[M, N] = A[M, K] x B[K, N] + bias with different epilogues.
//   C[m, n] = epilogue(bias[n] + sum_k (A[m, k] * gate[image(m), k]) * B[k, n])
// Layouts: A row-major [M, K] (NHWC activations: M = N*H*W, K = Cin); B packed by
// cpu/simd/packing.h into panels of V::W output channels [panel][K][W].
// Micro-tile: MR rows x NV vectors (V::kGemmMr x V::kGemmNv: 8 x 32 or 8 x 48 floats on AVX-512,
// 6 x 16 on AVX2), accumulators in registers for the whole K loop, started at the bias; each k step
// loads NV weight vectors and broadcasts MR scalars of A. A task's rows go in tiles of nearly equal
// height (gemm_tile_row), a tile of fewer than MR rows on the same kernel instantiated for them;
// the last panels, when the panel count is not a multiple of NV, on the kernel for fewer vectors;
// lanes past N are computed on the zero pad and never stored. No K blocking: at EfficientNet's K (<= 3840) a tile's B panel streams from
// L2 at ~8 bytes per FMA cycle, well under L2 bandwidth, and skipping C reloads keeps the epilogue
// single-pass.
// The SE gate: a tile's MR gated rows (or all rows of a panel-outer task) are written once to a
// per-thread scratch tile (vector multiplies) and reused by every panel of the task, so the gated
// tensor never exists in memory.
// Tasks: cpu/simd/tiling.h's gemm_split grid (row chunk x panel chunk); a task sweeps its row tiles
// (outer) over its panels (inner), so the panel chunk stays in L2 and the A tile in L1; a task of
// few rows goes panels outer instead (see gemm_task).
// Arithmetic: GemmDotOf<V> says how A and B are stored and multiplied. Fp32Dot (here): fp32 B
// panels, A read in place, one FMA per k. The bf16 level's Bf16Dot (cpu/simd/gemm_bf16.h): B panels
// of bf16 pairs, A rows rounded to bf16 into the scratch tile, one vdpbf16ps per k pair.
// Precision: fp32 accumulation in K order (bf16: a pair per vdpbf16ps, its internal rounding the
// CPU's); each output is computed by exactly one tile.
#pragma once
#include <cstdint>

#include "cpu/simd/ahead.h"
#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"

namespace effnet {
namespace simd {

struct GemmArgs {
  const float* a = nullptr;
  int64_t k = 0, n = 0;            // A is [*, k] with row stride k; C has n columns
  const float* b = nullptr;        // packed panels (in the Dot's element type)
  const float* bias = nullptr;     // padded to whole panels
  const float* gate = nullptr;     // [images, k] or null
  int64_t rows_per_image = 1;      // which gate row a GEMM row uses
};

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

// fp32 GEMM steps: one k per step; A in place (or gated into the tile), B panels [K][W] floats.
template <class V>
struct Fp32Dot {
  using A = float;                   // element of a prepared A row
  using AOp = typename V::T;         // one step's A operand (a broadcast scalar)
  using BOp = typename V::T;         // one step's B operand (W weights)
  static constexpr int64_t kStep = 1;  // k values per step
  static constexpr bool kTileAlways = false;  // A needs the scratch tile only when gated
  static constexpr bool kBf16 = false;        // B packed by pack_gemm (not pack_gemm_bf16)
  // Floats of one packed panel of W output channels (the same in pack_gemm_panels).
  static constexpr int64_t panel_floats(int64_t k) { return k * V::W; }
  // Row r of the MR-row tile at `row` is at rows + r * lda(k).
  static constexpr int64_t lda(int64_t k) { return k; }
  EFFNET_SIMD_INLINE static const A* prepare(const GemmArgs& g, int64_t row, int64_t rows, float* tile) {
    if (g.gate == nullptr) return g.a + row * g.k;
    gemm_gate_rows<V>(g, row, rows, tile);
    return tile;
  }
  EFFNET_SIMD_INLINE static AOp a_at(const A* a, int64_t step) { return V::set1(a[step]); }
  EFFNET_SIMD_INLINE static BOp b_at(const float* panel, int64_t step) { return V::load(panel + step * V::W); }
  EFFNET_SIMD_INLINE static typename V::T madd(AOp a, BOp b, typename V::T acc) { return V::fmadd(a, b, acc); }
};

// Which Dot a vector type's GEMM uses; a level with another arithmetic specializes it.
template <class V>
struct GemmDotOf {
  using type = Fp32Dot<V>;
};
template <class V>
using GemmDot = typename GemmDotOf<V>::type;

// Asks for `floats` floats from p into the cache (one prefetch per 64-byte line). The packed
// weights are 64-byte aligned and panels are whole lines. A template on V like everything here
// (see simd_target.h).
template <class V>
EFFNET_SIMD_INLINE void gemm_prefetch(const float* p, int64_t floats) {
  const char* c = reinterpret_cast<const char*>(p);
  for (int64_t o = 0, bytes = floats * int64_t(sizeof(float)); o < bytes; o += 64) __builtin_prefetch(c + o, 0, 3);
}

// Steps of the K loop per prefetch of the next op's weights (cpu/simd/ahead.h): one 64-byte line per
// 4 steps (~28-32 cycles of a 7-8 x 2 tile on AVX-512, ~2 bytes a cycle, well below what memory
// gives one core), and a tile takes at most steps / 4 lines, so the prefetches never come in bursts.
inline constexpr int64_t kGemmStepsPerPrefetch = 4;

// The tile's accumulators over the whole K loop; with Prefetch, also prefetching the lines
// [pf, pf_end) (at most steps / 4 of them), one per kGemmStepsPerPrefetch steps from the first.
template <class V, int MR, int NV, bool Prefetch>
EFFNET_SIMD_INLINE void gemm_micro(const typename GemmDot<V>::A* __restrict a, int64_t lda, const float* __restrict b,
                                   int64_t k, const float* __restrict bias, typename V::T (&acc)[MR][NV],
                                   const char* pf, const char* pf_end) {
  using T = typename V::T;
  using Dot = GemmDot<V>;
  const int64_t panel = Dot::panel_floats(k), steps = ceil_div(k, Dot::kStep);
#pragma GCC unroll 8
  for (int j = 0; j < NV; ++j) {
    const T bj = V::load(bias + j * V::W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) acc[r][j] = bj;
  }
  const auto step = [&](int64_t kk) EFFNET_SIMD_LAMBDA_INLINE {
    typename Dot::BOp bv[NV];
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) bv[j] = Dot::b_at(b + j * panel, kk);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const typename Dot::AOp av = Dot::a_at(a + r * lda, kk);
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[r][j] = Dot::madd(av, bv[j], acc[r][j]);
    }
  };
  int64_t kk = 0;
  if constexpr (Prefetch) {
    static_assert(kGemmStepsPerPrefetch == 4, "the prefetching loop is unrolled by 4");
    const int64_t lines = (pf_end - pf) / 64, slots = steps / kGemmStepsPerPrefetch;
    const int64_t pf_steps = (lines < slots ? lines : slots) * kGemmStepsPerPrefetch;
    for (; kk < pf_steps; kk += kGemmStepsPerPrefetch, pf += 64) {
      prefetch_line(pf);
      step(kk);
      step(kk + 1);
      step(kk + 2);
      step(kk + 3);
    }
  }
  for (; kk < steps; ++kk) step(kk);
}

// One tile: MR rows from `row`, panels [p, p + nv), NV = nv (1..V::kGemmNv: fewer for the last
// panels of an N that is not a whole number of NV-panel groups), dispatched down from NV.
// With Prefetch, the tile also takes its handout of the next op's weights from `ahead`.
template <class V, int MR, int NV, class Epi, bool Prefetch>
void gemm_tile(const typename GemmDot<V>::A* a, int64_t lda, const GemmArgs& g, int64_t row, int64_t p, int64_t nv,
               const Epi& epi, AheadCursor& ahead) {
  if constexpr (NV > 1) {
    if (nv < NV) {
      gemm_tile<V, MR, NV - 1, Epi, Prefetch>(a, lda, g, row, p, nv, epi, ahead);
      return;
    }
  }
  const char *pf = nullptr, *pf_end = nullptr;
  if constexpr (Prefetch) ahead.take(ceil_div(g.k, GemmDot<V>::kStep) / kGemmStepsPerPrefetch, &pf, &pf_end);
  const float* b = g.b + p * GemmDot<V>::panel_floats(g.k);
  const float* bias = g.bias + p * V::W;
  typename V::T acc[MR][NV];
  gemm_micro<V, MR, NV, Prefetch>(a, lda, b, g.k, bias, acc, pf, pf_end);
  epi.template tile<MR, NV>(row, p, acc);
}

// Row-tail dispatch: `rows` (1..MR) picks the instantiation with exactly that many rows.
template <class V, int MR, class Epi, bool Prefetch>
EFFNET_SIMD_INLINE void gemm_tile_rows(int64_t rows, const typename GemmDot<V>::A* a, int64_t lda, const GemmArgs& g, int64_t row,
                                       int64_t p, int64_t nv, const Epi& epi, AheadCursor& ahead) {
  if constexpr (MR > 1) {
    if (rows < MR) {
      gemm_tile_rows<V, MR - 1, Epi, Prefetch>(rows, a, lda, g, row, p, nv, epi, ahead);
      return;
    }
  }
  gemm_tile<V, MR, V::kGemmNv, Epi, Prefetch>(a, lda, g, row, p, nv, epi, ahead);
}

// Whether gemm_task needs a tile for these arguments.
template <class V>
constexpr bool gemm_needs_tile(const GemmArgs& g) {
  return g.gate != nullptr || GemmDot<V>::kTileAlways;
}

// The first row of row tile t of a task of m rows cut into `tiles` = ceil(m / MR) row tiles whose
// heights differ by one at most. Full tiles and a remainder would leave a tile of 1-3 rows, whose
// 2-6 accumulators cannot cover the FMA latency; B0's 7x7 maps (49 rows = 6 x 8 + 1) had one in
// every task, now 7 tiles of 7.
constexpr int64_t gemm_tile_row(int64_t m, int64_t tiles, int64_t t) { return m * t / tiles; }

// The task [r0, r1) x panels [p0, p1), its rows in gemm_tile_row's tiles. a_tile:
// gemm_tile_floats(K) floats of this thread's scratch, needed when the A rows are gated or the Dot
// always prepares them (gemm_needs_tile); else null.
// Order: row tiles outer, panels inner (the panel chunk stays in L2 while the row tiles sweep it),
// except for a task of more than one micro-tile and at most kGemmPanelOuterRows rows: the late
// layers at batch 1 (7x7 = 49 rows), whose weights are large for their rows and come from memory
// on every run. There the panels go outer: each panel pair is read once, by every row tile in turn,
// while the next pair is prefetched, so the weights stream in under the arithmetic instead of
// before it (row tiles outer read all the weights during the first row tile, with 1/7 of the work
// to hide them). Only while the pair stays in L1 (kGemmPanelOuterPairBytes: K <= 320 in fp32 on
// AVX-512): a larger pair is re-read from L2 by every row tile, along with rows of A that no longer
// stay in L1, and B0's 7x7 projects (K = 1152) went from 0.124 to 0.139 ms. The task's A rows are
// prepared once, all together, so they must fit the tile (gemm_tile_capacity).
// gemm_task's loops; with Prefetch, each tile takes a handout of the next op's weights.
template <class V, class Epi, bool Prefetch>
void gemm_task_tiles(const GemmArgs& g, int64_t r0, int64_t r1, int64_t p0, int64_t p1, float* a_tile, const Epi& epi,
                     AheadCursor& ahead) {
  using Dot = GemmDot<V>;
  constexpr int MR = V::kGemmMr, NV = V::kGemmNv;
  static_assert(MR <= kGemmMaxMr, "scratch tiles hold kGemmMaxMr rows");
  const int64_t m = r1 - r0, panel = Dot::panel_floats(g.k), tiles = ceil_div(m, MR);
  if (m > MR && m <= kGemmPanelOuterRows && NV * panel * int64_t(sizeof(float)) <= kGemmPanelOuterPairBytes &&
      (!gemm_needs_tile<V>(g) || m <= gemm_tile_capacity(g.k))) {
    const typename Dot::A* a = Dot::prepare(g, r0, m, a_tile);
    const int64_t lda = Dot::lda(g.k);
    for (int64_t p = p0; p < p1; p += NV) {
      if (p + NV < p1) gemm_prefetch<V>(g.b + (p + NV) * panel, (p1 - p - NV < NV ? p1 - p - NV : NV) * panel);
      for (int64_t t = 0; t < tiles; ++t) {
        const int64_t row = r0 + gemm_tile_row(m, tiles, t);
        const int64_t rows = r0 + gemm_tile_row(m, tiles, t + 1) - row;
        gemm_tile_rows<V, MR, Epi, Prefetch>(rows, a + (row - r0) * lda, lda, g, row, p, p1 - p < NV ? p1 - p : NV, epi,
                                             ahead);
      }
    }
    return;
  }
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t row = r0 + gemm_tile_row(m, tiles, t), rows = r0 + gemm_tile_row(m, tiles, t + 1) - row;
    const typename Dot::A* a = Dot::prepare(g, row, rows, a_tile);
    for (int64_t p = p0; p < p1; p += NV) {
      gemm_tile_rows<V, MR, Epi, Prefetch>(rows, a, Dot::lda(g.k), g, row, p, p1 - p < NV ? p1 - p : NV, epi, ahead);
    }
  }
}

// The task [r0, r1) x panels [p0, p1) (see above), prefetching its share of `next` (the next ops'
// weights) one handout per tile. A task with nothing to fetch runs loops without the handouts:
// asking for an empty one per tile cost the K = 16 and 24 expands 3-5 %.
template <class V, class Epi>
void gemm_task(const GemmArgs& g, int64_t r0, int64_t r1, int64_t p0, int64_t p1, float* a_tile, const Epi& epi,
               const TaskAhead& next = {}) {
  constexpr int MR = V::kGemmMr, NV = V::kGemmNv;
  AheadCursor ahead(next, ceil_div(r1 - r0, MR) * ceil_div(p1 - p0, NV));
  if (ahead.done()) gemm_task_tiles<V, Epi, false>(g, r0, r1, p0, p1, a_tile, epi, ahead);
  else gemm_task_tiles<V, Epi, true>(g, r0, r1, p0, p1, a_tile, epi, ahead);
}

}  // namespace simd
}  // namespace effnet
