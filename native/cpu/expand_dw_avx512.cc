// The fused expand + depthwise strategy (cpu/simd/expand_dw.h) instantiated for the "avx512" level.
// Its own translation unit, built like cpu/avx512/kernels.cc (see cpu/simd/simd_target.h): non-vector
// headers first, then the target region with the vector type and the templates. x86 only (the
// source list is shared by every architecture).
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "core/thread_pool.h"
#include "cpu/expand_dw.h"
#include "cpu/kernel_api.h"
#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")
#include "cpu/simd/vec_avx512.h"
#include "cpu/simd/vec_math.h"
#include "cpu/simd/gemm.h"
#include "cpu/simd/dwconv_bn_act.h"
#include "cpu/simd/pwconv_bn_act.h"
#include "cpu/simd/expand_dw.h"

namespace effnet {
namespace simd {
template void expand_dw<Avx512>(const KernelArgs&, const KernelArgs&);
}  // namespace simd
}  // namespace effnet
#pragma GCC pop_options

namespace effnet {

const ExpandDwKernel& avx512_expand_dw() {
  static const ExpandDwKernel k = {simd::expand_dw<simd::Avx512>};
  return k;
}

}  // namespace effnet

#endif  // x86
