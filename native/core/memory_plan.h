// Memory planning for one (plan, batch size): a single arena in which values whose lifetimes do
// not overlap share space.
//
// Lifetime of a value = [the op that writes it, the last op that reads it]; plan outputs live to
// the end (they are copied out after the last op). An op's inputs and outputs are all live at that
// op, so they never alias. Placement is greedy by size, largest first, each value at the best-fitting
// (smallest sufficient) gap among the already placed values it overlaps in time. Offsets are
// multiples of 64 bytes. The network input is not in the arena: kernels read the caller's buffer in
// place (validation guarantees no op writes it), which saves a copy per run. The kernels' scratch
// (the largest any op needs) is a separate region at the end.
#pragma once
#include <cstdint>
#include <vector>

#include "effnet/plan.h"

namespace effnet {

struct MemoryLayout {
  std::vector<int64_t> offset;  // floats from the arena start, per value id; -1 for the input
  int64_t scratch_offset = 0;
  int64_t total_floats = 0;
  int64_t unshared_floats = 0;  // what the values would take without sharing (for reports)
};

MemoryLayout plan_memory(const Plan& plan, int32_t batch, int64_t scratch_floats);

}  // namespace effnet
