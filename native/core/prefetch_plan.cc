#include "core/prefetch_plan.h"

#include <algorithm>

namespace effnet {

std::vector<Ahead> plan_ahead(const std::vector<WeightSpan>& spans, const std::vector<bool>& fetches, int64_t budget) {
  const int32_t steps = int32_t(fetches.size());
  std::vector<Ahead> ahead(fetches.size());
  // The spans laid end to end in reading order, each rounded up to whole lines: span j covers
  // [at[j], at[j + 1]); step s's weights start at first[s].
  std::vector<int64_t> at(spans.size() + 1, 0), first(ahead.size() + 1, 0);
  size_t j = 0;
  for (int32_t s = 0; s <= steps; ++s) {
    for (; j < spans.size() && spans[j].step < s; ++j) at[j + 1] = at[j] + (spans[j].bytes + 63) / 64 * 64;
    if (s < steps) first[size_t(s)] = at[j];
  }
  first[ahead.size()] = at[spans.size()];
  budget = budget / 64 * 64;
  for (int32_t s = 0; s + 1 < steps; ++s) {
    if (!fetches[size_t(s)]) continue;
    Ahead& a = ahead[size_t(s)];
    // The window: from step s + 1's weights to the end of the next fetching step's (or the last
    // step's). That step's own window starts after it, so windows never overlap.
    int32_t t = s + 1;
    while (t + 1 < steps && !fetches[size_t(t)]) ++t;
    const int64_t lo = first[size_t(s) + 1];
    const int64_t hi = std::min(first[size_t(t) + 1], lo + budget);
    for (size_t k = 0; k < spans.size() && a.n < Ahead::kMaxSpans; ++k) {
      const int64_t b = std::max(lo, at[k]), e = std::min(hi, at[k + 1]);
      if (e <= b) continue;
      a.p[a.n] = spans[k].p + (b - at[k]);
      a.bytes[a.n] = e - b;
      ++a.n;
    }
  }
  return ahead;
}

}  // namespace effnet
