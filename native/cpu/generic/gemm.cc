// Packing for the shared GEMM layout (see gemm.h): [Cout, Cin] -> [Cout/8][Cin][8], zero-padded.
#include "cpu/generic/gemm.h"
#include "cpu/generic/kernels.h"

namespace effnet {

void generic_gemm_pack(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p) {
  const int64_t cin = in.c, cout = out.c, blocks = gemm_blocks(cout);
  p->w = AlignedBuffer(blocks * cin * kGemmNr);
  p->b = AlignedBuffer(blocks * kGemmNr);
  float* w = p->w.data();
  float* b = p->b.data();
  for (int64_t blk = 0; blk < blocks; ++blk) {
    for (int64_t ci = 0; ci < cin; ++ci) {
      for (int64_t j = 0; j < kGemmNr; ++j) {
        const int64_t co = blk * kGemmNr + j;
        w[(blk * cin + ci) * kGemmNr + j] = co < cout ? op.weight[size_t(co * cin + ci)] : 0.0f;
      }
    }
    for (int64_t j = 0; j < kGemmNr; ++j) {
      const int64_t co = blk * kGemmNr + j;
      b[blk * kGemmNr + j] = co < cout ? op.bias[size_t(co)] : 0.0f;
    }
  }
}

}  // namespace effnet
