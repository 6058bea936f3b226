// linear, reference (the classifier).
//   y[n,co] = b[co] + sum_ci x[n,ci] * w[co,ci]        w [Cout,Cin]. Double accumulation.
#include "cpu/reference/reference.h"

namespace effnet {

void reference_linear(const KernelArgs& a) {
  const int64_t Ci = a.in.c, Co = a.out.c;
  const float* w = a.weights->w.data();
  const float* b = a.weights->b.data();
  for (int64_t n = 0; n < a.batch; ++n) {
    for (int64_t co = 0; co < Co; ++co) {
      double acc = b[co];
      for (int64_t ci = 0; ci < Ci; ++ci) acc += double(a.x[n * Ci + ci]) * double(w[co * Ci + ci]);
      a.y[n * Co + co] = float(acc);
    }
  }
}

}  // namespace effnet
