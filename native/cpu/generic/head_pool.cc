// head_pool, generic (head 1x1 conv + swish + global average pool, fused).
//   f[n,p,co] = swish(b[co] + sum_ci x[n,p,ci] * w[co,ci])
//   y[n,co]   = (1/HW) sum_p f[n,p,co];   map[n,p,co] = f only when op.map >= 0 (CAM, features)
// Layouts: x, map NHWC; weights packed by generic_gemm_pack (gemm.h).
// Fusion: the GEMM epilogue applies swish and adds each row into a per-task pooled partial, so the
// 1280-wide map is never written unless asked for.
// Threads: tasks are (image, 64-row chunk, 64-channel chunk); each writes its partial sums to
// scratch[image][row chunk][Cout], reduced afterwards in row-chunk order (deterministic, no atomics).
// Precision: fp32 accumulation; the mean is sum * (1/HW).
#include <algorithm>

#include "core/thread_pool.h"
#include "cpu/generic/gemm.h"
#include "cpu/generic/kernels.h"
#include "cpu/kernel_math.h"

namespace effnet {
namespace {

int64_t row_chunks(const ValueDesc& in) {
  return (int64_t(in.h) * in.w + kGemmRowsPerTask - 1) / kGemmRowsPerTask;
}

}  // namespace

int64_t generic_head_pool_scratch(const OpDesc&, const ValueDesc& in, const ValueDesc& out, const PackedWeights&,
                                  int32_t batch) {
  return int64_t(batch) * row_chunks(in) * gemm_blocks(out.c) * kGemmNr;
}

void generic_head_pool(const KernelArgs& a) {
  const int64_t cin = a.in.c, cout = a.out.c, P = int64_t(a.in.h) * a.in.w;
  const int64_t chunks = row_chunks(a.in);
  const int64_t blocks = gemm_blocks(cout);
  const int64_t cpad = blocks * kGemmNr;
  const int64_t col_chunks = (blocks + kGemmBlocksPerTask - 1) / kGemmBlocksPerTask;
  parallel_for(a.batch * chunks * col_chunks, a.threads, [&](int64_t task, int32_t) {
    const int64_t cc = task % col_chunks;
    const int64_t rc = (task / col_chunks) % chunks;
    const int64_t n = task / (col_chunks * chunks);
    const int64_t row0 = n * P + rc * kGemmRowsPerTask;
    const int64_t rows = std::min(kGemmRowsPerTask, P - rc * kGemmRowsPerTask);
    const int64_t blk_end = std::min(blocks, (cc + 1) * kGemmBlocksPerTask);
    for (int64_t blk = cc * kGemmBlocksPerTask; blk < blk_end; ++blk) {
      const int64_t co0 = blk * kGemmNr;
      const int64_t width = std::min(kGemmNr, cout - co0);
      float* __restrict pooled = a.scratch + (n * chunks + rc) * cpad + co0;
      for (int64_t j = 0; j < kGemmNr; ++j) pooled[j] = 0.0f;
      gemm_rows<false>(a.x, cin, nullptr, *a.weights, cin, blk, row0, rows, [&](int64_t row, float* __restrict acc) {
        for (int64_t j = 0; j < kGemmNr; ++j) {
          acc[j] = swish_fast(acc[j]);
          pooled[j] += acc[j];
        }
        if (a.map != nullptr) {
          float* __restrict m = a.map + row * cout + co0;
          for (int64_t j = 0; j < width; ++j) m[j] = acc[j];
        }
      });
    }
  });
  const float inv = 1.0f / float(P);
  for (int64_t n = 0; n < a.batch; ++n) {
    float* __restrict y = a.y + n * cout;
    const float* part = a.scratch + n * chunks * cpad;
    for (int64_t co = 0; co < cout; ++co) y[co] = part[co];
    for (int64_t rc = 1; rc < chunks; ++rc) {
      for (int64_t co = 0; co < cout; ++co) y[co] += part[rc * cpad + co];
    }
    for (int64_t co = 0; co < cout; ++co) y[co] *= inv;
  }
}

}  // namespace effnet
