// Every op template of a SIMD level, explicitly instantiated for the vector type EFFNET_SIMD_V.
// Included by cpu/<level>/kernels.cc INSIDE its target region, right after the level's vector type
// header, so every function instantiated here gets that target; the level's table
// (cpu/simd/kernel_table.h) is built after the region and only takes these addresses. Adding an op
// adds its header and its instantiation here, and its slot in kernel_table.h: every level gets it.
#ifndef EFFNET_SIMD_V
#error "define EFFNET_SIMD_V (the level's vector type) before including cpu/simd/level_ops.h"
#endif

#include "cpu/simd/vec_math.h"
#include "cpu/simd/gemm.h"
#include "cpu/simd/conv_bn_act.h"
#include "cpu/simd/dwconv_bn_act.h"
#include "cpu/simd/se_gate.h"
#include "cpu/simd/pwconv_bn_act.h"
#include "cpu/simd/head_pool.h"
#include "cpu/simd/linear.h"
#include "cpu/simd/expand_dw.h"
#include "cpu/simd/fma_probe.h"

namespace effnet {
namespace simd {
template void conv_bn_act<EFFNET_SIMD_V>(const KernelArgs&);
template void dwconv_bn_act<EFFNET_SIMD_V>(const KernelArgs&);
template void se_gate<EFFNET_SIMD_V>(const KernelArgs&);
template void pwconv_bn_act<EFFNET_SIMD_V>(const KernelArgs&);
template void head_pool<EFFNET_SIMD_V>(const KernelArgs&);
template void linear<EFFNET_SIMD_V>(const KernelArgs&);
template void expand_dw<EFFNET_SIMD_V>(const KernelArgs&, const KernelArgs&);
template float fma_burst<EFFNET_SIMD_V>(int64_t);
#ifdef EFFNET_SIMD_V_GEMM
// The level's second GEMM tile: a vector type that differs from EFFNET_SIMD_V in kGemmMr /
// kGemmNv only, so only the ops built on the GEMM are instantiated for it (kernel_table's VG).
template void pwconv_bn_act<EFFNET_SIMD_V_GEMM>(const KernelArgs&);
template void head_pool<EFFNET_SIMD_V_GEMM>(const KernelArgs&);
template void linear<EFFNET_SIMD_V_GEMM>(const KernelArgs&);
template void expand_dw<EFFNET_SIMD_V_GEMM>(const KernelArgs&, const KernelArgs&);
#endif
}  // namespace simd
}  // namespace effnet
