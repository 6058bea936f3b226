// A kernel task's part of its step's Ahead (core/prefetch_plan.h): task t of T takes lines
// [L t / T, L (t + 1) / T) of every range, so a thread pool that hands each thread a contiguous run
// of tasks (core/thread_pool.h) has each thread fetch a contiguous part of the next weights. The
// task hands its lines out a few at a time (take) to the loops that issue them, spread over its
// work: a burst of hundreds of prefetches stalls the core until memory has served most of them,
// which is the wait the prefetch is there to hide.
#pragma once
#include <cstdint>

#include "cpu/kernel_api.h"
#include "cpu/simd/simd_target.h"

namespace effnet {
namespace simd {

// Which lines of a range of `lines` lines task t of T gets: [first, end).
struct LineShare {
  int64_t first, end;
};
constexpr LineShare line_share(int64_t lines, int64_t t, int64_t tasks) {
  return {lines * t / tasks, lines * (t + 1) / tasks};
}

// Prefetches into L2 (and L1), for reading: the weights are read next, by the next op.
EFFNET_SIMD_INLINE void prefetch_line(const char* p) { __builtin_prefetch(p, 0, 2); }

// Which task of how many is asking, and its step's Ahead (null: none).
struct TaskAhead {
  const Ahead* ahead = nullptr;
  int64_t task = 0, tasks = 1;
};

class AheadCursor {
 public:
  // Task `task` of `tasks`, which will call take() about `handouts` times.
  AheadCursor(const TaskAhead& t, int64_t handouts)
      : a_(t.ahead != nullptr && t.ahead->n > 0 ? t.ahead : nullptr), task_(t.task), tasks_(t.tasks) {
    if (a_ == nullptr) return;
    int64_t lines = 0;
    for (int32_t s = 0; s < a_->n; ++s) {
      const LineShare sh = line_share(a_->bytes[s] / 64, task_, tasks_);
      lines += sh.end - sh.first;
    }
    per_handout_ = handouts > 0 ? (lines + handouts - 1) / handouts : lines;
    open(0);
  }

  // Up to min(n, per_handout()) lines, contiguous, as [*p, *end) (empty when none are left). A
  // handout stops at the end of a range, so the last ranges' lines may outlast the handouts the
  // cursor was sized for: up to (ranges - 1) handouts' worth, then left unfetched.
  EFFNET_SIMD_INLINE void take(int64_t n, const char** p, const char** end) {
    *p = *end = cur_;
    if (cur_ == nullptr) return;
    const int64_t left = (end_ - cur_) / 64, k = n < per_handout_ ? n : per_handout_;
    cur_ += (k < left ? k : left) * 64;
    *end = cur_;
    if (cur_ == end_) open(span_ + 1);
  }
  // take() and prefetch all of it here.
  EFFNET_SIMD_INLINE void issue() {
    const char *p, *e;
    take(per_handout_, &p, &e);
    for (; p < e; p += 64) prefetch_line(p);
  }
  int64_t per_handout() const { return per_handout_; }
  bool done() const { return cur_ == nullptr; }  // nothing (left) to prefetch

 private:
  // Moves to this task's lines of range s (or the next range with any), or to the end.
  void open(int32_t s) {
    for (cur_ = end_ = nullptr; a_ != nullptr && s < a_->n; ++s) {
      const LineShare sh = line_share(a_->bytes[s] / 64, task_, tasks_);
      if (sh.end > sh.first) {
        span_ = s;
        cur_ = a_->p[s] + sh.first * 64;
        end_ = a_->p[s] + sh.end * 64;
        return;
      }
    }
  }

  const Ahead* a_;
  int64_t task_, tasks_;
  int64_t per_handout_ = 0;
  int32_t span_ = 0;
  const char* cur_ = nullptr;
  const char* end_ = nullptr;
};

}  // namespace simd
}  // namespace effnet
