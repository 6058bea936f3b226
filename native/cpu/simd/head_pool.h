// head_pool, SIMD (head 1x1 conv + swish + global average pool), written once over V.
//   f[n,p,co] = swish(b[co] + sum_ci x[n,p,ci] * w[co,ci]);  y[n,co] = (1/HW) sum_p f[n,p,co]
//   map[n,p,co] = f[n,p,co] only when the op has a map output; otherwise f never reaches memory.
// The packed GEMM of cpu/simd/gemm.h with a pooling epilogue: a tile sums its rows' swish outputs in
// registers and adds them to its row chunk's partial [image][chunk][Cout padded] in scratch.
// Threads: row chunks are kHeadChunkRows rows of one image (fixed by the shape) x panel chunks
// (gemm_split); partials are reduced in chunk order afterwards, so the result does not depend on
// the thread count. Precision: fp32 accumulation; the mean is sum * (1/HW).
#pragma once
#include "cpu/simd/pwconv_bn_act.h"

namespace effnet {
namespace simd {

template <class V>
struct PoolEpilogue {
  float* map;   // may be null
  float* part;  // this row chunk's partial sums (Cout padded)
  int64_t n;

  template <int MR, int NV>
  EFFNET_SIMD_INLINE void tile(int64_t row0, int64_t p0, typename V::T (&acc)[MR][NV]) const {
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      const int64_t c0 = (p0 + j) * V::W;
      const int64_t width = n - c0;
      typename V::T s = V::zero();
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const typename V::T v = simd::swish<V>(acc[r][j]);
        s = V::add(s, v);  // padded lanes: zero weights and bias give swish(0) = 0
        if (map != nullptr) {
          if (width >= V::W) V::store(map + (row0 + r) * n + c0, v);
          else V::store(map + (row0 + r) * n + c0, v, V::mask(width));
        }
      }
      V::store(part + c0, V::add(V::load(part + c0), s));
    }
  }
};

template <class V>
void head_pool(const KernelArgs& a) {
  GemmArgs g = gemm_args_of<V>(a);
  const int64_t P = int64_t(a.in.h) * a.in.w, chunks = head_chunks(a.in), cpad = round_up(g.n, kChannelPad);
  const int64_t panels = ceil_div(g.n, V::W);
  const int32_t threads_per_image = int32_t(ceil_div(a.threads, a.batch));
  const GemmSplit s =
      gemm_split(P, panels, g.k, V::W, V::kGemmMr, V::kGemmNv, threads_per_image, kHeadChunkRows);
  // A tiles (when the level's GEMM needs them: gemm_needs_tile) follow the partials in scratch.
  float* tiles = gemm_needs_tile<V>(g) ? a.scratch + head_partial_floats(a.in, a.out, a.batch) : nullptr;
  const int64_t tile_floats = gemm_tile_floats(g.k);
  const int64_t tasks = a.batch * chunks * s.panel_chunks;
  parallel_for(tasks, a.threads, [&](int64_t task, int32_t thread) {
    const int64_t pc = task % s.panel_chunks, rc = (task / s.panel_chunks) % chunks;
    const int64_t img = task / (s.panel_chunks * chunks);
    const int64_t p0 = pc * s.panel_chunk, p1 = p0 + s.panel_chunk < panels ? p0 + s.panel_chunk : panels;
    const int64_t r0 = img * P + rc * kHeadChunkRows;
    const int64_t r1 = rc * kHeadChunkRows + kHeadChunkRows < P ? r0 + kHeadChunkRows : img * P + P;
    float* part = a.scratch + (img * chunks + rc) * cpad;
    for (int64_t c = p0 * V::W; c < p1 * V::W; c += V::W) V::store(part + c, V::zero());
    const PoolEpilogue<V> epi{a.map, part, g.n};
    gemm_task<V>(g, r0, r1, p0, p1, tiles != nullptr ? tiles + thread * tile_floats : nullptr, epi,
                 TaskAhead{a.ahead, task, tasks});
  });
  const typename V::T inv = V::set1(1.0f / float(P));
  for (int64_t img = 0; img < a.batch; ++img) {
    const float* part = a.scratch + img * chunks * cpad;
    float* y = a.y + img * g.n;
    for (int64_t c = 0; c < g.n; c += V::W) {
      typename V::T s = V::load(part + c);
      for (int64_t rc = 1; rc < chunks; ++rc) s = V::add(s, V::load(part + rc * cpad + c));
      s = V::mul(s, inv);
      if (g.n - c >= V::W) V::store(y + c, s);
      else V::store(y + c, s, V::mask(g.n - c));
    }
  }
}

}  // namespace simd
}  // namespace effnet
