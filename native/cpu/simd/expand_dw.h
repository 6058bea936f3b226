// The fused expand + depthwise strategy (cpu/expand_dw.h explains when and why), SIMD, written
// once over V from the two ops' own pieces:
//   e[n,iy,ix,:] = act_e(b_e + x[n,iy,ix,:] W_e)              (gemm_task + StoreEpilogue, as pwconv)
//   y[n,oy,ox,c] = act(b[c] + sum_taps e[...] * w[c,ky,kx])   (dw_output_row(s), as dwconv)
// Blocking: a task is (image, band of output rows); it walks its rows in order, in dwconv_bn_act's
// row blocks where they apply, and keeps the rows of e that the current windows need in a
// per-thread ring of R contiguous rows (R >= k + s, so a block of 2 rows fits; ~384 KiB: in L2).
// Rows of e are computed once per band, as the windows move down; when they would run past the
// ring, the rows still needed are moved to its front, so rows stay contiguous and
// dw_output_row(s) index them exactly as a whole tensor.
// SE sums: each output row adds into its own partial [n][oy][Cpad], reduced in row order at the end
// (bit-identical for any thread count or band split).
// Threads: expand_dw_chunks bands per image; the GEMM inside a task is single-threaded.
#pragma once
#include <cstring>

#include "core/thread_pool.h"
#include "cpu/expand_dw.h"
#include "cpu/simd/dwconv_bn_act.h"
#include "cpu/simd/gemm.h"
#include "cpu/simd/pwconv_bn_act.h"

namespace effnet {
namespace simd {

template <class V>
void expand_dw(const KernelArgs& pw, const KernelArgs& dw) {
  const DwShape d = dw_shape<V>(dw);
  const int64_t Ho = dw.out.h, cin = pw.in.c, row = d.W * d.C;
  const int64_t R = expand_dw_ring_rows(d.k, d.s, row);
  const int64_t tile_offset = expand_dw_tile_offset(*dw.op, dw.in);
  const int64_t thread_floats = expand_dw_thread_floats(*dw.op, dw.in);
  float* partials = dw.sums != nullptr ? dw.scratch : nullptr;
  float* rings = dw.scratch + expand_dw_partials_floats(*dw.op, dw.out, dw.batch);
  const float* wt = dw.weights->w.data();
  const float* bias = dw.weights->b.data();
  const int64_t c_step = dw_channel_step<V>(d);
  GemmArgs g;
  g.k = cin;
  g.n = d.C;
  g.b = pw.weights->w.data();
  g.bias = pw.weights->b.data();
  const int64_t panels = ceil_div(d.C, V::W);
  const bool swish_e = pw.op->act == Act::swish;
  const int64_t chunks = expand_dw_chunks(Ho, dw.batch, dw.threads);
  parallel_for(dw.batch * chunks, dw.threads, [&](int64_t task, int32_t thread) {
    const int64_t n = task / chunks, chunk = task % chunks;
    const int64_t oy0 = Ho * chunk / chunks, oy1 = Ho * (chunk + 1) / chunks;
    float* ring = rings + thread * thread_floats;
    float* tile = ring + tile_offset;
    const float* xn = pw.x + n * d.H * d.W * cin;
    float* yn = dw.y + n * Ho * d.Wo * d.C;
    int64_t b0 = oy0 * d.s - d.pad_t;  // the ring holds rows [b0, b1) of e
    if (b0 < 0) b0 = 0;
    int64_t b1 = b0;
    for (int64_t oy = oy0; oy < oy1;) {
      // A row block (dw_block_rows) as tall as the ring allows: its windows span k + (rows - 1) s rows.
      int64_t rows = dw_block_rows<V>(d, oy, oy1);
      if (d.k + (rows - 1) * d.s > R) rows = (R - d.k) / d.s + 1;
      int64_t lo = oy * d.s - d.pad_t, hi = (oy + rows - 1) * d.s - d.pad_t + d.k;
      if (lo < 0) lo = 0;
      if (hi > d.H) hi = d.H;
      if (hi > b0 + R) {  // slide: rows above lo are never needed again (the window only moves down)
        if (lo < b1) std::memmove(ring, ring + (lo - b0) * row, size_t((b1 - lo) * row) * sizeof(float));
        else b1 = lo;
        b0 = lo;
      }
      if (hi > b1) {
        GemmArgs e_rows = g;
        e_rows.a = xn + b1 * d.W * cin;
        const StoreEpilogue<V> epi{ring + (b1 - b0) * row, nullptr, d.C, swish_e};
        gemm_task<V>(e_rows, 0, (hi - b1) * d.W, 0, panels, tile, epi);
        b1 = hi;
      }
      float* part = partials != nullptr ? partials + (n * Ho + oy) * d.Cpad : nullptr;
      // The rows address e as a whole image; only rows in [b0, b1) are read (the windows' rows
      // outside the input are padding and skipped), so shifting the base by b0 rows is safe.
      dw_output_block<V>(d, ring - b0 * row, yn, wt, bias, oy, rows, c_step, part, nullptr);
      oy += rows;
    }
  });
  if (partials != nullptr) dw_reduce_row_sums<V>(d, partials, Ho, dw.batch, dw.sums);
}

}  // namespace simd
}  // namespace effnet
