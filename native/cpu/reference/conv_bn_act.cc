// conv_bn_act, reference.
//   y[n,oy,ox,co] = act(b[co] + sum_{ky,kx,ci} x[n, oy*s - pad_t + ky, ox*s - pad_l + kx, ci] * w[co,ci,ky,kx])
// Taps outside the input are zero padding. x, y NHWC; w OIHW as in the plan. Double accumulation.
#include "cpu/kernel_math.h"
#include "cpu/reference/reference.h"

namespace effnet {

void reference_conv_bn_act(const KernelArgs& a) {
  const OpDesc& op = *a.op;
  const int64_t H = a.in.h, W = a.in.w, Ci = a.in.c, Ho = a.out.h, Wo = a.out.w, Co = a.out.c, k = op.k;
  const float* w = a.weights->w.data();
  const float* b = a.weights->b.data();
  for (int64_t n = 0; n < a.batch; ++n) {
    for (int64_t oy = 0; oy < Ho; ++oy) {
      for (int64_t ox = 0; ox < Wo; ++ox) {
        for (int64_t co = 0; co < Co; ++co) {
          double acc = b[co];
          for (int64_t ky = 0; ky < k; ++ky) {
            const int64_t iy = oy * op.stride - op.pad[0] + ky;
            if (iy < 0 || iy >= H) continue;
            for (int64_t kx = 0; kx < k; ++kx) {
              const int64_t ix = ox * op.stride - op.pad[1] + kx;
              if (ix < 0 || ix >= W) continue;
              for (int64_t ci = 0; ci < Ci; ++ci) {
                acc += double(a.x[((n * H + iy) * W + ix) * Ci + ci]) * double(w[((co * Ci + ci) * k + ky) * k + kx]);
              }
            }
          }
          a.y[((n * Ho + oy) * Wo + ox) * Co + co] = act_ref(op.act, float(acc));
        }
      }
    }
  }
}

}  // namespace effnet
