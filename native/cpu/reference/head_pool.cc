// head_pool, reference (head 1x1 conv + swish + global average pool).
//   f[n,p,co] = swish(b[co] + sum_ci x[n,p,ci] * w[co,ci])
//   y[n,co]   = (1/HW) sum_p f[n,p,co];   map[n,p,co] = f[n,p,co] only when op.map >= 0
// swish is part of the op (op.act is not consulted). x NHWC; w [Cout,Cin]. Double accumulation.
#include "cpu/kernel_math.h"
#include "cpu/reference/reference.h"

namespace effnet {

void reference_head_pool(const KernelArgs& a) {
  const int64_t P = int64_t(a.in.h) * a.in.w, Ci = a.in.c, Co = a.out.c;
  const float* w = a.weights->w.data();
  const float* b = a.weights->b.data();
  for (int64_t n = 0; n < a.batch; ++n) {
    for (int64_t co = 0; co < Co; ++co) {
      double pooled = 0.0;
      for (int64_t p = 0; p < P; ++p) {
        const float* x = a.x + (n * P + p) * Ci;
        double acc = b[co];
        for (int64_t ci = 0; ci < Ci; ++ci) acc += double(x[ci]) * double(w[co * Ci + ci]);
        const float f = swish_ref(float(acc));
        if (a.map != nullptr) a.map[(n * P + p) * Co + co] = f;
        pooled += f;
      }
      a.y[n * Co + co] = float(pooled / double(P));
    }
  }
}

}  // namespace effnet
