// conv_bn_act, generic (the dense stem conv, e.g. 3x3 s2, 3 -> 32 channels).
//   y[n,oy,ox,co] = act(b[co] + sum_{ky,kx,ci} x[n, oy*s - pad_t + ky, ox*s - pad_l + kx, ci] * w[co,ci,ky,kx])
// Layouts: x, y NHWC; weights packed [ky][kx][ci][Cout] so every input sample is one contiguous
// Cout-long axpy into the output pixel (which stays in L1); explicit 4-sided padding by skipping taps.
// Fusion: bias is the start value, act applied in place before the next pixel.
// Threads: tasks are (image, output row).
// Precision: fp32 accumulation in (ky, kx, ci) order; swish via exp_fast.
#include <algorithm>

#include "core/thread_pool.h"
#include "cpu/generic/kernels.h"
#include "cpu/kernel_math.h"

namespace effnet {

void generic_conv_bn_act_pack(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p) {
  const int64_t Ci = in.c, Co = out.c, k = op.k;
  p->w = AlignedBuffer(k * k * Ci * Co);
  p->b = copy_floats(op.bias);
  for (int64_t co = 0; co < Co; ++co) {
    for (int64_t ci = 0; ci < Ci; ++ci) {
      for (int64_t t = 0; t < k * k; ++t) {
        p->w.data()[(t * Ci + ci) * Co + co] = op.weight[size_t((co * Ci + ci) * k * k + t)];
      }
    }
  }
}

void generic_conv_bn_act(const KernelArgs& a) {
  const OpDesc& op = *a.op;
  const int64_t H = a.in.h, W = a.in.w, Ci = a.in.c, Ho = a.out.h, Wo = a.out.w, Co = a.out.c, k = op.k;
  const int64_t s = op.stride;
  const bool swish = op.act == Act::swish;
  const float* __restrict wt = a.weights->w.data();
  const float* __restrict bias = a.weights->b.data();
  parallel_for(a.batch * Ho, a.threads, [&](int64_t task, int32_t) {
    const int64_t n = task / Ho, oy = task % Ho;
    const int64_t iy0 = oy * s - op.pad[0];
    const int64_t ky0 = std::max<int64_t>(0, -iy0), ky1 = std::min(k, H - iy0);
    const float* xn = a.x + n * H * W * Ci;
    for (int64_t ox = 0; ox < Wo; ++ox) {
      const int64_t ix0 = ox * s - op.pad[1];
      const int64_t kx0 = std::max<int64_t>(0, -ix0), kx1 = std::min(k, W - ix0);
      float* __restrict y = a.y + ((n * Ho + oy) * Wo + ox) * Co;
      for (int64_t co = 0; co < Co; ++co) y[co] = bias[co];
      for (int64_t ky = ky0; ky < ky1; ++ky) {
        for (int64_t kx = kx0; kx < kx1; ++kx) {
          const float* x = xn + ((iy0 + ky) * W + ix0 + kx) * Ci;
          for (int64_t ci = 0; ci < Ci; ++ci) {
            const float xv = x[ci];
            const float* __restrict w = wt + ((ky * k + kx) * Ci + ci) * Co;
            for (int64_t co = 0; co < Co; ++co) y[co] += xv * w[co];
          }
        }
      }
      if (swish) {
        for (int64_t co = 0; co < Co; ++co) y[co] = swish_fast(y[co]);
      }
    }
  });
}

}  // namespace effnet
