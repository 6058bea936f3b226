// se_gate, reference (squeeze-excitation from the sums a dwconv_bn_act emitted).
//   mean[c] = sums[n,c] / spatial
//   h[j]    = swish(b1[j] + sum_c w1[j,c] * mean[c])        w1 = weight [Cr,C], b1 = bias [Cr]
//   gate[c] = sigmoid(b2[c] + sum_j w2[c,j] * h[j])         w2 = weight2 [C,Cr], b2 = bias2 [C]
// Cr (packed.hidden) comes from the block INPUT channels (decided in TS). Scratch: Cr floats for h.
#include "cpu/kernel_math.h"
#include "cpu/reference/reference.h"

namespace effnet {

int64_t reference_se_gate_scratch(const OpDesc&, const ValueDesc&, const ValueDesc&, const PackedWeights& packed,
                                  int32_t) {
  return packed.hidden;
}

void reference_se_gate(const KernelArgs& a) {
  const int64_t C = a.in.c, Cr = a.weights->hidden;
  const float* w1 = a.weights->w.data();
  const float* b1 = a.weights->b.data();
  const float* w2 = a.weights->w2.data();
  const float* b2 = a.weights->b2.data();
  const float spatial = float(a.op->spatial);
  float* h = a.scratch;
  for (int64_t n = 0; n < a.batch; ++n) {
    const float* sums = a.x + n * C;
    for (int64_t j = 0; j < Cr; ++j) {
      double acc = b1[j];
      for (int64_t c = 0; c < C; ++c) acc += double(w1[j * C + c]) * double(sums[c] / spatial);
      h[j] = swish_ref(float(acc));
    }
    for (int64_t c = 0; c < C; ++c) {
      double acc = b2[c];
      for (int64_t j = 0; j < Cr; ++j) acc += double(w2[c * Cr + j]) * double(h[j]);
      a.y[n * C + c] = sigmoid_ref(float(acc));
    }
  }
}

}  // namespace effnet
