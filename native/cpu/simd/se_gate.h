// se_gate, SIMD (squeeze-excitation from a dwconv_bn_act's sums), written once over V.
//   mean[c] = sums[n,c] / spatial;  h = swish(b1 + W1 mean);  gate[n,:] = sigmoid(b2 + W2 h)
// Layouts: W1 [Cr][Cpad] (the plan's layout, rows padded with zeros) so h[j] is a dot product over
// contiguous channels, accumulated in 4 independent vector chains and reduced across lanes in a
// fixed order; W2^T [Cr][Cpad], so the gate is an axpy over contiguous channels (packing.h).
// Cr comes from the block INPUT channels (decided in TS; packed.hidden here).
// Threads: two passes, each split so both threads work even at batch 1 (the late SE ops read
// ~0.4 MB of weights, worth splitting): pass 1 over (group of h rows, image), pass 2 over (channel
// chunk, image), images innermost: a thread's tasks are a contiguous run (core/thread_pool.h), so
// its consecutive tasks read the same rows of W1 or W2^T, from L1, for every image; image-major,
// each image re-read them all from L2 (B0 batch 8, the SE steps' sum: 0.25 -> 0.20 ms on 1 thread,
// 0.14-0.16 -> 0.10-0.11 on 2). Every output element is computed by one task in a fixed order, so
// results do not depend on the thread count. Scratch: Crpad floats per image for h.
// Precision: fp32 FMA accumulation; the mean is applied as one scale (1/spatial) of each dot
// product; simd::swish / simd::sigmoid.
#pragma once
#include "core/thread_pool.h"
#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"
#include "cpu/simd/vec_math.h"

namespace effnet {
namespace simd {

// Sum of the lanes of v, in a fixed order.
template <class V>
EFFNET_SIMD_INLINE float hsum(typename V::T v) {
  alignas(64) float lanes[V::W];
  V::store(lanes, v);
  float s = 0.0f;
  for (int i = 0; i < V::W; ++i) s += lanes[i];
  return s;
}

template <class V>
void se_gate(const KernelArgs& a) {
  using T = typename V::T;
  const int64_t C = a.in.c, Cr = a.weights->hidden;
  const int64_t cpad = round_up(C, kChannelPad), crpad = round_up(Cr, kChannelPad);
  const float* w1 = a.weights->w.data();
  const float* b1 = a.weights->b.data();
  const float* w2t = a.weights->w2.data();
  const float* b2 = a.weights->b2.data();
  const float inv_spatial = 1.0f / float(a.op->spatial);
  const int64_t full = C / V::W * V::W;
  const auto tail = V::mask(C - full);

  // Pass 1: h[n, j] for groups of kRows rows of W1.
  constexpr int64_t kRows = 8;
  const int64_t groups = ceil_div(Cr, kRows);
  parallel_for(a.batch * groups, a.threads, [&](int64_t task, int32_t) {
    const int64_t n = task % a.batch, j0 = task / a.batch * kRows, j1 = j0 + kRows < Cr ? j0 + kRows : Cr;
    const float* sums = a.x + n * C;
    float* h = a.scratch + n * crpad;
    for (int64_t j = j0; j < j1; ++j) {
      const float* w = w1 + j * cpad;
      T acc[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
      int64_t c = 0;
      for (; c + 4 * V::W <= full; c += 4 * V::W) {
#pragma GCC unroll 4
        for (int u = 0; u < 4; ++u) acc[u] = V::fmadd(V::load(sums + c + u * V::W), V::load(w + c + u * V::W), acc[u]);
      }
      for (; c < full; c += V::W) acc[0] = V::fmadd(V::load(sums + c), V::load(w + c), acc[0]);
      if (c < C) acc[1] = V::fmadd(V::load(sums + c, tail), V::load(w + c), acc[1]);
      const float dot = hsum<V>(V::add(V::add(acc[0], acc[1]), V::add(acc[2], acc[3])));
      h[j] = dot * inv_spatial + b1[j];
    }
    if (j1 == Cr) {
      for (int64_t j = Cr; j < crpad; ++j) h[j] = 0.0f;  // not read; keeps the scratch defined
    }
  });
  // swish(h) in pass 2's tasks would repeat it per chunk; it is Cr values, so do it once here.
  for (int64_t n = 0; n < a.batch; ++n) {
    float* h = a.scratch + n * crpad;
    for (int64_t j = 0; j < crpad; j += V::W) V::store(h + j, simd::swish<V>(V::load(h + j)));
  }
  // Pass 2: gate[n, c] for chunks of kChunk channels.
  constexpr int64_t kChunk = 8 * V::W;
  const int64_t chunks = ceil_div(C, kChunk);
  parallel_for(a.batch * chunks, a.threads, [&](int64_t task, int32_t) {
    const int64_t n = task % a.batch, c0 = task / a.batch * kChunk, c1 = c0 + kChunk < C ? c0 + kChunk : C;
    const float* h = a.scratch + n * crpad;
    float* g = a.y + n * C;
    for (int64_t c = c0; c < c1; c += V::W) {
      T acc = V::load(b2 + c), acc2 = V::zero();  // two chains: half the FMA latency stalls
      int64_t j = 0;
      for (; j + 1 < Cr; j += 2) {
        acc = V::fmadd(V::set1(h[j]), V::load(w2t + j * cpad + c), acc);
        acc2 = V::fmadd(V::set1(h[j + 1]), V::load(w2t + (j + 1) * cpad + c), acc2);
      }
      if (j < Cr) acc = V::fmadd(V::set1(h[j]), V::load(w2t + j * cpad + c), acc);
      acc = simd::sigmoid<V>(V::add(acc, acc2));
      if (C - c >= V::W) V::store(g + c, acc);
      else V::store(g + c, acc, V::mask(C - c));
    }
  });
}

}  // namespace simd
}  // namespace effnet
