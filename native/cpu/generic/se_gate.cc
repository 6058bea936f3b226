// se_gate, generic (squeeze-excitation from a dwconv_bn_act's sums).
//   mean[c] = sums[n,c] / spatial;  h = swish(b1 + W1 mean);  gate[n,:] = sigmoid(b2 + W2 h)
// Layouts: W1 packed transposed [C][Cr] and W2 transposed [Cr][C], so both products are axpys over
// a contiguous output (a dot-product form would need a float reduction, which GCC only vectorises
// under -ffast-math). Cr comes from the block INPUT channels (decided in TS; packed.hidden here).
// Threads: one task per image (the op is ~C*Cr*2 MACs, tiny next to the convs). Scratch: Cr per image.
// Precision: fp32 accumulation in c (resp. j) order; exp_fast in swish and sigmoid.
#include "core/thread_pool.h"
#include "cpu/generic/kernels.h"
#include "cpu/kernel_math.h"

namespace effnet {

void generic_se_gate_pack(const OpDesc& op, const ValueDesc& in, const ValueDesc&, PackedWeights* p) {
  const int64_t C = in.c, Cr = int64_t(op.weight.size()) / C;
  p->hidden = int32_t(Cr);
  p->w = AlignedBuffer(C * Cr);
  p->w2 = AlignedBuffer(Cr * C);
  p->b = copy_floats(op.bias);
  p->b2 = copy_floats(op.bias2);
  for (int64_t j = 0; j < Cr; ++j) {
    for (int64_t c = 0; c < C; ++c) {
      p->w.data()[c * Cr + j] = op.weight[size_t(j * C + c)];
      p->w2.data()[j * C + c] = op.weight2[size_t(c * Cr + j)];
    }
  }
}

int64_t generic_se_gate_scratch(const OpDesc&, const ValueDesc&, const ValueDesc&, const PackedWeights& p,
                                int32_t batch) {
  return int64_t(batch) * p.hidden;
}

void generic_se_gate(const KernelArgs& a) {
  const int64_t C = a.in.c, Cr = a.weights->hidden;
  const float* __restrict w1t = a.weights->w.data();
  const float* __restrict b1 = a.weights->b.data();
  const float* __restrict w2t = a.weights->w2.data();
  const float* __restrict b2 = a.weights->b2.data();
  const float spatial = float(a.op->spatial);
  parallel_for(a.batch, a.threads, [&](int64_t n, int32_t) {
    const float* __restrict sums = a.x + n * C;
    float* __restrict h = a.scratch + n * Cr;
    float* __restrict g = a.y + n * C;
    for (int64_t j = 0; j < Cr; ++j) h[j] = b1[j];
    for (int64_t c = 0; c < C; ++c) {
      const float m = sums[c] / spatial;
      const float* __restrict w = w1t + c * Cr;
      for (int64_t j = 0; j < Cr; ++j) h[j] += m * w[j];
    }
    for (int64_t j = 0; j < Cr; ++j) h[j] = swish_fast(h[j]);
    for (int64_t c = 0; c < C; ++c) g[c] = b2[c];
    for (int64_t j = 0; j < Cr; ++j) {
      const float hv = h[j];
      const float* __restrict w = w2t + j * C;
      for (int64_t c = 0; c < C; ++c) g[c] += hv * w[c];
    }
    for (int64_t c = 0; c < C; ++c) g[c] = sigmoid_fast(g[c]);
  });
}

}  // namespace effnet
