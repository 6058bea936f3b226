// Checks of the cross-op prefetch plan and cursor (core/prefetch_plan.h, cpu/simd/ahead.h) for
// effnet_core_test, which reports each as a pass or a failure.
#pragma once
#include <vector>

#include "test/named_check.h"

namespace effnet {

std::vector<NamedCheck> prefetch_plan_checks();

}  // namespace effnet
