// dwconv_bn_act, generic.
//   y[n,oy,ox,c] = act(b[c] + sum_{ky,kx} x[n, oy*s - pad_t + ky, ox*s - pad_l + kx, c] * w[c,ky,kx])
//   sums[n,c]    = sum_{oy,ox} y[n,oy,ox,c]   (post-activation, when op.sums >= 0; feeds se_gate)
// Layouts: x, y NHWC; weights packed [ky][kx][C] so each tap is a contiguous C-long axpy into the
// output pixel, which stays in L1 while its taps accumulate (explicit 4-sided padding: taps outside
// the input are skipped, so TF SAME costs nothing).
// Fusion: bias is the start value, act is applied in place, and the SE squeeze (the sums) is
// accumulated in the same pass, so SE costs no extra read of y.
// Threads: tasks are (image, band of output rows); each band writes its partial sums to
// scratch[image][band][C], reduced in band order afterwards (deterministic, no atomics).
// Precision: fp32 accumulation in tap order; swish via exp_fast.
#include <algorithm>

#include "core/thread_pool.h"
#include "cpu/generic/kernels.h"
#include "cpu/kernel_math.h"

namespace effnet {
namespace {

constexpr int64_t kMaxBands = 16;  // bands per image: enough tasks for the pool at batch 1

int64_t bands(const ValueDesc& out) { return std::min<int64_t>(out.h, kMaxBands); }

}  // namespace

void generic_dwconv_bn_act_pack(const OpDesc& op, const ValueDesc& in, const ValueDesc&, PackedWeights* p) {
  const int64_t C = in.c, k = op.k;
  p->w = AlignedBuffer(k * k * C);
  p->b = copy_floats(op.bias);
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t t = 0; t < k * k; ++t) p->w.data()[t * C + c] = op.weight[size_t(c * k * k + t)];
  }
}

int64_t generic_dwconv_bn_act_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out,
                                      const PackedWeights&, int32_t batch) {
  return op.sums >= 0 ? int64_t(batch) * bands(out) * in.c : 0;
}

void generic_dwconv_bn_act(const KernelArgs& a) {
  const OpDesc& op = *a.op;
  const int64_t H = a.in.h, W = a.in.w, C = a.in.c, Ho = a.out.h, Wo = a.out.w, k = op.k, s = op.stride;
  const int64_t nb = bands(a.out);
  const bool swish = op.act == Act::swish;
  const float* __restrict wt = a.weights->w.data();
  const float* __restrict bias = a.weights->b.data();
  parallel_for(a.batch * nb, a.threads, [&](int64_t task, int32_t) {
    const int64_t n = task / nb, band = task % nb;
    const int64_t oy0 = Ho * band / nb, oy1 = Ho * (band + 1) / nb;
    float* __restrict part = a.sums != nullptr ? a.scratch + task * C : nullptr;
    if (part != nullptr) std::fill(part, part + C, 0.0f);
    const float* xn = a.x + n * H * W * C;
    for (int64_t oy = oy0; oy < oy1; ++oy) {
      const int64_t iy0 = oy * s - op.pad[0];
      const int64_t ky0 = std::max<int64_t>(0, -iy0), ky1 = std::min(k, H - iy0);
      for (int64_t ox = 0; ox < Wo; ++ox) {
        const int64_t ix0 = ox * s - op.pad[1];
        const int64_t kx0 = std::max<int64_t>(0, -ix0), kx1 = std::min(k, W - ix0);
        float* __restrict y = a.y + ((n * Ho + oy) * Wo + ox) * C;
        for (int64_t c = 0; c < C; ++c) y[c] = bias[c];
        for (int64_t ky = ky0; ky < ky1; ++ky) {
          for (int64_t kx = kx0; kx < kx1; ++kx) {
            const float* __restrict x = xn + ((iy0 + ky) * W + ix0 + kx) * C;
            const float* __restrict w = wt + (ky * k + kx) * C;
            for (int64_t c = 0; c < C; ++c) y[c] += x[c] * w[c];
          }
        }
        if (swish) {
          for (int64_t c = 0; c < C; ++c) y[c] = swish_fast(y[c]);
        }
        if (part != nullptr) {
          for (int64_t c = 0; c < C; ++c) part[c] += y[c];
        }
      }
    }
  });
  if (a.sums == nullptr) return;
  for (int64_t n = 0; n < a.batch; ++n) {
    float* __restrict sums = a.sums + n * C;
    const float* part = a.scratch + n * nb * C;
    std::copy(part, part + C, sums);
    for (int64_t b = 1; b < nb; ++b) {
      for (int64_t c = 0; c < C; ++c) sums[c] += part[b * C + c];
    }
  }
}

}  // namespace effnet
