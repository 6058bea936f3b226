// The kernels of precision 'bf16': the avx512 level's op templates instantiated for Avx512Bf16,
// whose GEMM (the 1x1 convolutions) multiplies bf16 pairs with vdpbf16ps (cpu/simd/gemm_bf16.h):
// the "avx512-bf16" table; and "avx512-amx-bf16", the same ops but for the GEMM ones, which run
// whole K chunks on AMX tiles (cpu/simd/gemm_amx.h, type Avx512Amx). Chosen only through the
// precision, never as a level of its own (cpu/levels.cc); the target region is avx512's plus
// AVX512_BF16, AMX-TILE and AMX-BF16 (the compiler emits AMX instructions only where gemm_amx.h
// asks for them; how the region works: cpu/simd/simd_target.h). x86 only.
#if defined(__x86_64__) || defined(__i386__)
#include "cpu/simd/level_prelude.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma,amx-tile,amx-bf16")
#include "cpu/simd/gemm_amx.h"
#define EFFNET_SIMD_V Avx512Bf16
#define EFFNET_SIMD_V_GEMM Avx512Amx
#include "cpu/simd/level_ops.h"
#undef EFFNET_SIMD_V_GEMM
#undef EFFNET_SIMD_V
#pragma GCC pop_options

#include "cpu/levels.h"
#include "cpu/simd/kernel_table.h"  // after the region: it only takes the addresses above

#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace effnet {

const CpuKernels& avx512_bf16_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Avx512Bf16>("avx512-bf16");
  return k;
}

const CpuKernels& avx512_amx_bf16_kernels() {
  static const CpuKernels k = simd::kernel_table<simd::Avx512Bf16, simd::Avx512Amx>("avx512-amx-bf16");
  return k;
}

// CPUID leaf 7 reports AMX-BF16 (EDX bit 22) and AMX-TILE (bit 24); Linux then hands the tile
// state to a process only once it asks (arch_prctl ARCH_REQ_XCOMP_PERM for XTILEDATA, kernel
// 5.16+; a tile instruction before that faults). Asked once per process; elsewhere, or when the
// kernel refuses, precision 'bf16' keeps the vdpbf16ps kernels.
bool amx_bf16_supported() {
  static const bool ok = [] {
    if (!bf16_supported()) return false;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
    if ((d & (1u << 22)) == 0 || (d & (1u << 24)) == 0) return false;
#if defined(__linux__)
    constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) == 0;
#else
    return false;
#endif
  }();
  return ok;
}

}  // namespace effnet

#endif  // defined(__x86_64__) || defined(__i386__)
