// Which upcoming weights each step of a run prefetches (cross-op prefetch).
//
// At batch 1 the late layers' weights (B0: 0.9 MB per 7x7 expand or project, 1.6 MB the head,
// 5.1 MB the classifier) come from memory on every run, and an op that finds its weights there
// waits for them with little arithmetic per byte to hide it behind. So a step whose kernel
// prefetches fetches, while it computes, the weights of the steps after it up to and including
// the next step that fetches (whose own turn comes then), at most kAheadBytes: about one L2
// (1 MiB on the CPUs measured), so what is fetched is still there when it is read. A window of
// 1 MiB past the next step whatever it holds pulled late weights into the L2 of the early,
// activation-heavy layers, which on 2 threads lost what the late ones gained. Each line is given
// to one step only. Measured in bench/RESULTS.md ("weights prefetched a step ahead" and "the
// prefetch window").
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/kernel_api.h"

namespace effnet {

inline constexpr int64_t kAheadBytes = int64_t(1) << 20;

// One weight buffer of a step: 64-byte aligned (AlignedBuffer), read as whole lines.
struct WeightSpan {
  const char* p = nullptr;
  int64_t bytes = 0;
  int32_t step = 0;  // the step that reads it; spans come in step order
};

// The Ahead of each step (fetches.size() steps): a step i whose kernel prefetches (fetches[i]) gets
// the lines from the start of step i + 1's weights to the end of those of the next step that
// fetches (or of the last step), at most `budget` bytes, in at most Ahead::kMaxSpans ranges (a
// window over more buffers is cut short; B0's cover 1 to 5); the others get none.
std::vector<Ahead> plan_ahead(const std::vector<WeightSpan>& spans, const std::vector<bool>& fetches, int64_t budget);

}  // namespace effnet
