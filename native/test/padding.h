// Conv padding for the plans the native tests and tools build themselves (the op table, the
// synthetic network, core_test's shapes). Real plans get their padding from lib/arch/padding.ts,
// the definition this one follows; the core itself only ever honours a plan's four explicit pads.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>

namespace effnet {

// [before, after] along one axis. Symmetric: (k - 1) / 2 on both sides (torch-trained weights).
// TF "SAME": total = max((ceil(in/s) - 1) * s + k - in, 0), the odd pixel at the end
// (bottom/right).
inline std::pair<int32_t, int32_t> pad_pair(int32_t in, int32_t k, int32_t s, bool same) {
  if (!same) return {(k - 1) / 2, (k - 1) / 2};
  const int32_t out = (in + s - 1) / s;
  const int32_t total = std::max((out - 1) * s + k - in, 0);
  return {total / 2, total - total / 2};
}

}  // namespace effnet
