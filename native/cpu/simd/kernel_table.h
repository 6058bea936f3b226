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

template <class V>
CpuKernels kernel_table(const char* level) {
  return CpuKernels{level,
                    {
                        {level, pack_conv_bn_act, no_scratch, conv_bn_act<V>},
                        {level, pack_dwconv_bn_act, dwconv_bn_act_scratch, dwconv_bn_act<V>},
                        {level, pack_se_gate, se_gate_scratch, se_gate<V>},
                        {level, pack_gemm<V::W>, pwconv_bn_act_scratch, pwconv_bn_act<V>},
                        {level, pack_gemm<V::W>, head_pool_scratch, head_pool<V>},
                        {level, pack_gemm<V::W>, no_scratch, linear<V>},
                    },
                    expand_dw<V>,
                    {fma_burst<V>, V::W, kFmaChains}};
}

}  // namespace simd
}  // namespace effnet
