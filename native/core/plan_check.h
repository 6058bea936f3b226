// Limits a plan must respect, and the validation entry point the op-case harness uses.
// The limits keep every size computation of a hostile plan far away from int64 overflow:
// a value holds at most 2^31 floats per image, times batch 4096, times 65536 values < 2^62.
#pragma once
#include <cstdint>
#include <vector>

#include "effnet/plan.h"

namespace effnet {

inline constexpr int32_t kMaxSpatial = 16384;        // h, w
inline constexpr int32_t kMaxChannels = 65536;       // c
inline constexpr int64_t kMaxValueElements = int64_t(1) << 31;  // h * w * c per image
inline constexpr int32_t kMaxValues = 65536;
inline constexpr int32_t kMaxOps = 65536;
inline constexpr int32_t kMaxKernel = 15;
inline constexpr int32_t kMaxBatch = 4096;

// validate_plan, except that the values in `external` (besides plan.input) also count as written
// before the first op. Only the op-case harness uses this: it feeds gates and residuals directly.
void validate_plan_with_inputs(const Plan& plan, const std::vector<int32_t>& external);

}  // namespace effnet
