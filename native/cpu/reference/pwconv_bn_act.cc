// pwconv_bn_act, reference (1x1 conv).
//   y[n,p,co] = act(b[co] + sum_ci (x[n,p,ci] * gate[n,ci]) * w[co,ci]) + residual[n,p,co]
// gate and residual are optional. The residual is added AFTER the activation (project convs have
// act none, so the order only matters for validation). x, y NHWC; w [Cout,Cin]. Double accumulation.
#include "cpu/kernel_math.h"
#include "cpu/reference/reference.h"

namespace effnet {

void reference_pwconv_bn_act(const KernelArgs& a) {
  const int64_t P = int64_t(a.in.h) * a.in.w, Ci = a.in.c, Co = a.out.c;
  const float* w = a.weights->w.data();
  const float* b = a.weights->b.data();
  for (int64_t n = 0; n < a.batch; ++n) {
    for (int64_t p = 0; p < P; ++p) {
      const float* x = a.x + (n * P + p) * Ci;
      for (int64_t co = 0; co < Co; ++co) {
        double acc = b[co];
        for (int64_t ci = 0; ci < Ci; ++ci) {
          const float xv = a.gate != nullptr ? x[ci] * a.gate[n * Ci + ci] : x[ci];
          acc += double(xv) * double(w[co * Ci + ci]);
        }
        float v = act_ref(a.op->act, float(acc));
        const int64_t o = (n * P + p) * Co + co;
        if (a.residual != nullptr) v += a.residual[o];
        a.y[o] = v;
      }
    }
  }
}

}  // namespace effnet
