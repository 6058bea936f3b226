// pwconv_bn_act, SIMD (1x1 conv as the packed GEMM of cpu/simd/gemm.h), written once over V.
//   y[n,p,co] = act(b[co] + sum_ci (x[n,p,ci] * gate[n,ci]) * w[co,ci]) + residual[n,p,co]
// Layouts: x, y, residual NHWC = row-major [N*H*W, C]; weights in V::W-wide panels (packing.h).
// Fusion: the gate scales A rows into a per-thread tile (gemm.h), bias starts the accumulators,
// swish and the residual (after the act) are applied to the register tile before its one store.
// Threads: gemm_split's grid over all N*H*W rows (tiles may span images; each row picks its own
// image's gate) x panel chunks. Every y element comes from one tile: thread-count independent.
// Precision: fp32 FMA accumulation in Cin order; swish via simd::swish (< 3e-7 relative).
#pragma once
#include "core/thread_pool.h"
#include "cpu/simd/gemm.h"
#include "cpu/simd/vec_math.h"

namespace effnet {
namespace simd {

// Stores act(acc) (+ residual) into C = y[rows, n]. Also linear's epilogue (no act, no residual).
template <class V>
struct StoreEpilogue {
  float* y;
  const float* residual;  // may be null
  int64_t n;
  bool swish;

  template <int MR, int NV>
  EFFNET_SIMD_INLINE void tile(int64_t row0, int64_t p0, typename V::T (&acc)[MR][NV]) const {
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      const int64_t c0 = (p0 + j) * V::W;
      const int64_t width = n - c0;  // >= 1: panels past n do not exist
      const auto m = V::mask(width < V::W ? width : V::W);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        typename V::T v = acc[r][j];
        if (swish) v = simd::swish<V>(v);
        const int64_t o = (row0 + r) * n + c0;
        if (width >= V::W) {
          if (residual != nullptr) v = V::add(v, V::load(residual + o));
          V::store(y + o, v);
        } else {
          if (residual != nullptr) v = V::add(v, V::load(residual + o, m));
          V::store(y + o, v, m);
        }
      }
    }
  }
};

// The whole GEMM with StoreEpilogue over m rows (shared with linear).
template <class V>
void gemm_store(const KernelArgs& a, const GemmArgs& g, int64_t m, bool swish) {
  const int64_t panels = ceil_div(g.n, V::W);
  const GemmSplit s = gemm_split(m, panels, g.k, V::W, V::kGemmMr, V::kGemmNv, a.threads);
  const StoreEpilogue<V> epi{a.y, a.residual, g.n, swish};
  const int64_t tile_floats = gemm_tile_floats(g.k);
  const bool tiled = gemm_needs_tile<V>(g);
  const int64_t tasks = s.row_chunks * s.panel_chunks;
  parallel_for(tasks, a.threads, [&](int64_t task, int32_t thread) {
    const int64_t rc = task / s.panel_chunks, pc = task % s.panel_chunks;
    const int64_t r0 = rc * s.row_chunk, p0 = pc * s.panel_chunk;
    const int64_t r1 = r0 + s.row_chunk < m ? r0 + s.row_chunk : m;
    const int64_t p1 = p0 + s.panel_chunk < panels ? p0 + s.panel_chunk : panels;
    float* tile = tiled ? a.scratch + thread * tile_floats : nullptr;
    gemm_task<V>(g, r0, r1, p0, p1, tile, epi, TaskAhead{a.ahead, task, tasks});
  });
}

// The GEMM view of a 1x1 op (pwconv_bn_act, head_pool, linear): A = its input [rows, Cin],
// B = its packed weights, one bias per output channel. A template on V like everything here, so
// each level's copy is its own symbol (see simd_target.h).
template <class V>
EFFNET_SIMD_INLINE GemmArgs gemm_args_of(const KernelArgs& a) {
  GemmArgs g;
  g.a = a.x;
  g.k = a.in.c;
  g.n = a.out.c;
  g.b = a.weights->w.data();
  g.bias = a.weights->b.data();
  return g;
}

template <class V>
void pwconv_bn_act(const KernelArgs& a) {
  GemmArgs g = gemm_args_of<V>(a);
  g.gate = a.gate;
  g.rows_per_image = int64_t(a.in.h) * a.in.w;
  gemm_store<V>(a, g, a.batch * g.rows_per_image, a.op->act == Act::swish);
}

}  // namespace simd
}  // namespace effnet
