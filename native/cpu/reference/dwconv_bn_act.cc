// dwconv_bn_act, reference.
//   y[n,oy,ox,c] = act(b[c] + sum_{ky,kx} x[n, oy*s - pad_t + ky, ox*s - pad_l + kx, c] * w[c,ky,kx])
//   sums[n,c]    = sum_{oy,ox} y[n,oy,ox,c]   (post-activation; only when op.sums >= 0)
// x, y NHWC; w [C,k,k] as in the plan. Double accumulation; sums are taken from the stored floats.
#include "cpu/kernel_math.h"
#include "cpu/reference/reference.h"

namespace effnet {

void reference_dwconv_bn_act(const KernelArgs& a) {
  const OpDesc& op = *a.op;
  const int64_t H = a.in.h, W = a.in.w, C = a.in.c, Ho = a.out.h, Wo = a.out.w, k = op.k;
  const float* w = a.weights->w.data();
  const float* b = a.weights->b.data();
  for (int64_t n = 0; n < a.batch; ++n) {
    for (int64_t oy = 0; oy < Ho; ++oy) {
      for (int64_t ox = 0; ox < Wo; ++ox) {
        for (int64_t c = 0; c < C; ++c) {
          double acc = b[c];
          for (int64_t ky = 0; ky < k; ++ky) {
            const int64_t iy = oy * op.stride - op.pad[0] + ky;
            if (iy < 0 || iy >= H) continue;
            for (int64_t kx = 0; kx < k; ++kx) {
              const int64_t ix = ox * op.stride - op.pad[1] + kx;
              if (ix < 0 || ix >= W) continue;
              acc += double(a.x[((n * H + iy) * W + ix) * C + c]) * double(w[(c * k + ky) * k + kx]);
            }
          }
          a.y[((n * Ho + oy) * Wo + ox) * C + c] = act_ref(op.act, float(acc));
        }
      }
    }
    if (a.sums == nullptr) continue;
    for (int64_t c = 0; c < C; ++c) {
      double s = 0.0;
      for (int64_t p = 0; p < Ho * Wo; ++p) s += a.y[(n * Ho * Wo + p) * C + c];
      a.sums[n * C + c] = float(s);
    }
  }
}

}  // namespace effnet
