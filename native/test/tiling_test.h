// Checks of how the SIMD kernels cut and lay out their work (cpu/simd/tiling.h's GEMM split and
// depthwise bands, the fused expand + depthwise step's per-thread scratch, cpu/expand_dw.h) for
// effnet_core_test.
#pragma once
#include <vector>

#include "test/named_check.h"

namespace effnet {

std::vector<NamedCheck> tiling_checks();

}  // namespace effnet
