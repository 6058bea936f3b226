// pwconv_bn_act, generic (1x1 conv as a GEMM).
//   y[n,p,co] = act(b[co] + sum_ci (x[n,p,ci] * gate[n,ci]) * w[co,ci]) + residual[n,p,co]
// Layouts: x, y, residual NHWC = row-major [rows, C]; weights packed by generic_gemm_pack (gemm.h).
// Fusion: the gate scales A as it is loaded (gemm_tile<.., true>), so the gated tensor is never
// written; bias is the accumulator's start value; act and the residual (after the act) are applied
// in the epilogue on an 8-wide register tile row before the one store of y.
// Threads: tasks are (image, 64-row chunk, 64-channel chunk); images only matter for the gate, so
// without a gate all N*H*W rows form one image. Each y element is computed by exactly one task,
// so results do not depend on the thread count.
// Precision: fp32 accumulation in Cin order; swish via exp_fast (< 2e-7 relative).
#include <algorithm>

#include "core/thread_pool.h"
#include "cpu/generic/gemm.h"
#include "cpu/generic/kernels.h"
#include "cpu/kernel_math.h"

namespace effnet {
namespace {

template <bool Gated>
void pointwise(const KernelArgs& a, int64_t images, int64_t rows_per_image) {
  const int64_t cin = a.in.c, cout = a.out.c;
  const int64_t row_chunks = (rows_per_image + kGemmRowsPerTask - 1) / kGemmRowsPerTask;
  const int64_t blocks = gemm_blocks(cout);
  const int64_t col_chunks = (blocks + kGemmBlocksPerTask - 1) / kGemmBlocksPerTask;
  const bool swish = a.op->act == Act::swish;
  parallel_for(images * row_chunks * col_chunks, a.threads, [&](int64_t task, int32_t) {
    const int64_t cc = task % col_chunks;
    const int64_t rc = (task / col_chunks) % row_chunks;
    const int64_t img = task / (col_chunks * row_chunks);
    const int64_t row0 = img * rows_per_image + rc * kGemmRowsPerTask;
    const int64_t rows = std::min(kGemmRowsPerTask, rows_per_image - rc * kGemmRowsPerTask);
    const float* gate = Gated ? a.gate + img * cin : nullptr;
    const int64_t blk_end = std::min(blocks, (cc + 1) * kGemmBlocksPerTask);
    for (int64_t blk = cc * kGemmBlocksPerTask; blk < blk_end; ++blk) {
      const int64_t co0 = blk * kGemmNr;
      const int64_t width = std::min(kGemmNr, cout - co0);
      gemm_rows<Gated>(a.x, cin, gate, *a.weights, cin, blk, row0, rows, [&](int64_t row, float* __restrict acc) {
        if (swish) {
          for (int64_t j = 0; j < kGemmNr; ++j) acc[j] = swish_fast(acc[j]);
        }
        float* __restrict y = a.y + row * cout + co0;
        if (a.residual != nullptr) {
          const float* __restrict res = a.residual + row * cout + co0;
          for (int64_t j = 0; j < width; ++j) y[j] = acc[j] + res[j];
        } else {
          for (int64_t j = 0; j < width; ++j) y[j] = acc[j];
        }
      });
    }
  });
}

}  // namespace

void gemm_bias_act(const KernelArgs& a, int64_t images, int64_t rows_per_image) {
  if (a.gate != nullptr) {
    pointwise<true>(a, images, rows_per_image);
  } else {
    pointwise<false>(a, images, rows_per_image);
  }
}

void generic_pwconv_bn_act(const KernelArgs& a) {
  const int64_t rows = int64_t(a.in.h) * a.in.w;
  if (a.gate != nullptr) {
    gemm_bias_act(a, a.batch, rows);
  } else {
    gemm_bias_act(a, 1, a.batch * rows);  // no gate: all N*H*W rows are alike
  }
}

}  // namespace effnet
