// The kernel table of a SIMD level: every op's packing (plain C++, shared), scratch size (tiling.h)
// and the level's instantiation of the op template (cpu/simd/level_ops.h), plus the fused
// expand + depthwise step. Included by cpu/<level>/kernels.cc AFTER its target region: building
// the table only takes addresses, so it runs on any CPU.
#pragma once
#include "cpu/kernel_api.h"
#include "cpu/simd/packing.h"
#include "cpu/simd/tiling.h"

namespace effnet {
namespace simd {

// VG: the vector type of the ops built on the GEMM (pwconv, head_pool, linear, the fused step),
// V itself or one that differs only in its register tile (kGemmMr x kGemmNv).
template <class V, class VG = V>
CpuKernels kernel_table(const char* level) {
  // The 1x1 ops' weights and scratch follow the level's GEMM arithmetic (cpu/simd/gemm.h).
  using Dot = GemmDot<VG>;
  const auto pack = Dot::kBf16 ? pack_gemm_bf16<V::W> : pack_gemm<V::W>;
  const auto pw_scratch = Dot::kTileAlways ? gemm_tiles_scratch : pwconv_bn_act_scratch;
  const auto head_scratch = Dot::kTileAlways ? head_pool_tiles_scratch : head_pool_scratch;
  const auto linear_scratch = Dot::kTileAlways ? gemm_tiles_scratch : no_scratch;
  return CpuKernels{level,
                    {
                        {level, pack_conv_bn_act, no_scratch, conv_bn_act<V>},
                        {level, pack_dwconv_bn_act, dwconv_bn_act_scratch, dwconv_bn_act<V>, true},
                        {level, pack_se_gate, se_gate_scratch, se_gate<V>},
                        {level, pack, pw_scratch, pwconv_bn_act<VG>, true},
                        {level, pack, head_scratch, head_pool<VG>, true},
                        {level, pack, linear_scratch, linear<VG>},
                    },
                    expand_dw<VG>,
                    {fma_burst<V>, V::W, kFmaChains, int32_t(2 * Dot::kStep)},
                    {VG::kGemmMr, VG::kGemmNv}};
}

}  // namespace simd
}  // namespace effnet
