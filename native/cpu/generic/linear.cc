// linear, generic (the classifier).
//   y[n,co] = b[co] + sum_ci x[n,ci] * w[co,ci]
// A 1x1 conv over N rows with act none and no gate or residual (validated), so it runs the pwconv
// GEMM (gemm_bias_act) on the packed layout of gemm.h: the N rows share each weight load, which is
// what matters at batch > 1 (the 1280x1000 weight is read once per 4 images, not once per image).
// Threads: 64-output-channel chunks (16 tasks for 1000 classes).
#include "cpu/generic/gemm.h"
#include "cpu/generic/kernels.h"

namespace effnet {

void generic_linear(const KernelArgs& a) { gemm_bias_act(a, 1, a.batch); }

}  // namespace effnet
