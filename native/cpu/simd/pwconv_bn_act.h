// pwconv_bn_act, SIMD (1x1 conv as the packed GEMM of cpu/simd/gemm.h), written once over V.
//   y[n,p,co] = act(b[co] + sum_ci (x[n,p,ci] * gate[n,ci]) * w[co,ci]) + residual[n,p,co]
// Layouts: x, y, residual NHWC = row-major [N*H*W, C]; weights in V::W-wide panels (packing.h).
// Fusion: bias starts the accumulators, swish and the residual (after the act) are applied to the
// register tile before its one store. The SE gate: (x g) W = x (g W), applied to the smaller side,
// for each image: scaling an image's rows x Cin inputs costs rows/Cout times more than scaling the
// Cin x Cout weights. Where an image has many rows per output channel (gate_in_weights, tiling.h:
// B0's 112x112, 56x56 and 28x28 projects, 16x to 784x) the gate scales the packed panels into
// scratch, on the calling thread (at most 240 x 48 floats in B0), and the plain GEMM runs over that
// image's rows, reading x in place; one image at a time, so an image gets the same result at any
// batch size (and, the rule not depending on it, at any thread count). Per step (B0 batch 1,
// 1 thread, ms), gated rows -> gated weights: the 56x56 and 28x28 projects 0.093-0.095 ->
// 0.081-0.082, 0.150-0.152 -> 0.125-0.128, 0.052 -> 0.047-0.048, 0.086-0.087 -> 0.079-0.080; the
// 112x112 one (its input in L3) 0.102 -> 0.09-0.13, the same on average; at batch 8 on 2 threads
// the five together 1.98 -> 1.74. B3's first project (150x150, 40 -> 24) is the exception:
// 0.31 -> 0.35 ms on 1 thread (unchanged on 2; not understood). Elsewhere (the late layers:
// 7x7 and 14x14 maps, hundreds of channels), and always at the bf16 level (whose A rows go through
// the tile as bf16 anyway, gated on the way), the gate scales A rows into a per-thread tile (gemm.h).
// Threads: gemm_split's grid over the rows (of one image, or of all N*H*W with gated rows: tiles
// may span images, each row picking its own image's gate) x panel chunks. Every y element comes
// from one tile: thread-count independent.
// Precision: fp32 FMA accumulation in Cin order; swish via simd::swish (< 3e-7 relative); gated,
// the FMA takes x and g w, or x g and w, the gate's product rounded to fp32 once either way.
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

// The whole GEMM with StoreEpilogue over m rows (shared with linear). part, of parts: which of
// `parts` GEMMs over the op's rows this is (pwconv_gated_weights runs one per image), each taking
// that share of the prefetch of the next op's weights.
template <class V>
void gemm_store(const KernelArgs& a, const GemmArgs& g, int64_t m, bool swish, int64_t part = 0, int64_t parts = 1) {
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
    gemm_task<V>(g, r0, r1, p0, p1, tile, epi, TaskAhead{a.ahead, part * tasks + task, parts * tasks});
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

// The gate in the weights (see the top): each image's gate times the packed panels into scratch,
// then the plain GEMM over its rows, with its share of the prefetch of the next op's weights. All
// of it in the last image's GEMM made B0's last 14x14 project at batch 8 on 2 threads 14 % slower
// under a looser rule that took it (kGateWeightsRatio 1, tiling.h).
template <class V>
void pwconv_gated_weights(const KernelArgs& a, const GemmArgs& g) {
  const int64_t rows = int64_t(a.in.h) * a.in.w, panels = ceil_div(g.n, V::W);
  static_assert(!GemmDot<V>::kBf16, "fp32 panels only: bf16 gates its A rows as it rounds them");
  const int64_t panel = GemmDot<V>::panel_floats(g.k);
  float* scaled = a.scratch;
  for (int32_t n = 0; n < a.batch; ++n) {
    const float* gate = a.gate + n * g.k;
    for (int64_t p = 0; p < panels; ++p) {
      const float* src = g.b + p * panel;
      float* dst = scaled + p * panel;
      for (int64_t k = 0; k < g.k; ++k) V::store(dst + k * V::W, V::mul(V::load(src + k * V::W), V::set1(gate[k])));
    }
    KernelArgs img = a;
    img.y = a.y + n * rows * g.n;
    img.residual = a.residual != nullptr ? a.residual + n * rows * g.n : nullptr;
    GemmArgs gi = g;
    gi.a = g.a + n * rows * g.k;
    gi.b = scaled;
    gemm_store<V>(img, gi, rows, a.op->act == Act::swish, n, a.batch);
  }
}

template <class V>
void pwconv_bn_act(const KernelArgs& a) {
  GemmArgs g = gemm_args_of<V>(a);
  g.rows_per_image = int64_t(a.in.h) * a.in.w;
  if constexpr (!GemmDot<V>::kBf16) {
    if (a.gate != nullptr && gate_in_weights(g.rows_per_image, a.out.c)) {
      pwconv_gated_weights<V>(a, g);
      return;
    }
  }
  g.gate = a.gate;
  gemm_store<V>(a, g, a.batch * g.rows_per_image, a.op->act == Act::swish);
}

}  // namespace simd
}  // namespace effnet
