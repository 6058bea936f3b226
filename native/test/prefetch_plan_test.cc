#include "test/prefetch_plan_test.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/prefetch_plan.h"
#include "core/prng.h"
#include "cpu/simd/ahead.h"

namespace effnet {
namespace {

NamedCheck check(bool ok, std::string what) { return {std::move(what), ok}; }

}  // namespace

// On random step layouts, fetch flags and budgets: only steps that fetch get lines, and only later
// steps' lines; each line goes to one step at most, none lies past the next fetching step's weights
// or further than the budget past the next step's, and everything within reach of a step that
// fetches is given out. A task's cursor hands out exactly its share, in order, in handouts of at
// most its quota.
std::vector<NamedCheck> prefetch_plan_checks() {
  std::vector<NamedCheck> checks;
  Prng rng(11);
  alignas(64) static char arena[1 << 16];
  bool later = true, once = true, within = true, covered = true, aligned = true;
  for (int trial = 0; trial < 300; ++trial) {
    const int32_t steps = 1 + int32_t(rng.next() % 12);
    std::vector<WeightSpan> spans;
    std::vector<int64_t> first(size_t(steps) + 1, 0);  // each step's first line in reading order
    int64_t lines = 0, at = 0;
    std::vector<int32_t> owner;  // reading-order line -> step
    for (int32_t s = 0; s < steps; ++s) {
      first[size_t(s)] = lines;
      const int32_t n = int32_t(rng.next() % 3);  // 0, 1 or 2 buffers
      for (int32_t b = 0; b < n; ++b) {
        const int64_t bytes = 1 + int64_t(rng.next() % 900);
        const int64_t l = (bytes + 63) / 64;
        spans.push_back({arena + at, bytes, s});
        at += l * 64;
        lines += l;
        owner.insert(owner.end(), size_t(l), s);
      }
    }
    first[size_t(steps)] = lines;
    const int64_t budget = int64_t(rng.next() % 2000);
    std::vector<bool> fetches(static_cast<size_t>(steps));
    for (int32_t s = 0; s < steps; ++s) fetches[size_t(s)] = rng.next() % 4 != 0;
    const std::vector<Ahead> ahead = plan_ahead(spans, fetches, budget);
    // Where step s's window ends (in lines): at the end of the next fetching step's weights (or the
    // last step's), at most the budget past the start of step s + 1's.
    auto window_end = [&](int32_t s) {
      int32_t t = s + 1;
      while (t + 1 < steps && !fetches[size_t(t)]) ++t;
      return std::min(first[size_t(t) + 1], first[size_t(s) + 1] + budget / 64);
    };
    std::vector<int32_t> given(size_t(lines), -1);
    for (int32_t s = 0; s < steps; ++s) {
      const Ahead& a = ahead[size_t(s)];
      later = later && (fetches[size_t(s)] || a.n == 0);
      for (int32_t r = 0; r < a.n; ++r) {
        aligned = aligned && (a.p[r] - arena) % 64 == 0 && a.bytes[r] % 64 == 0 && a.bytes[r] > 0;
        for (int64_t o = 0; o < a.bytes[r]; o += 64) {
          const int64_t line = (a.p[r] - arena + o) / 64;
          if (line >= lines) { later = false; continue; }
          later = later && owner[size_t(line)] > s;
          within = within && line < window_end(s);
          once = once && given[size_t(line)] < 0;
          given[size_t(line)] = s;
        }
      }
    }
    // A line is in reach of a fetching step s when it lies in its window (from step s + 1's start
    // to window_end); the earliest such step takes it unless Ahead::kMaxSpans cut its list (at most 2 x 12 spans here:
    // only check layouts where no step could hit the cap).
    if (spans.size() <= size_t(Ahead::kMaxSpans)) {
      for (int64_t line = 0; line < lines; ++line) {
        bool reachable = false;
        for (int32_t s = 0; s + 1 < steps; ++s) {
          reachable = reachable || (fetches[size_t(s)] && line >= first[size_t(s) + 1] && line < window_end(s));
        }
        covered = covered && reachable == (given[size_t(line)] >= 0);
      }
    }
  }
  checks.push_back(check(aligned, "prefetch ranges are whole 64-byte lines"));
  checks.push_back(check(later, "only steps that fetch prefetch, and only the weights of later steps"));
  checks.push_back(check(once, "each line is prefetched by one step at most"));
  checks.push_back(check(within, "no step prefetches past the next fetching step's weights or the budget"));
  checks.push_back(check(covered, "every line within a step's reach is prefetched"));

  // The cursor: 3 ranges, any task count and handout count.
  Ahead a;
  const int64_t range_lines[3] = {37, 5, 120};
  int64_t off = 0;
  for (int64_t l : range_lines) {
    a.p[a.n] = arena + off;
    a.bytes[a.n] = l * 64;
    ++a.n;
    off += (l + 3) * 64;  // gaps between the ranges
  }
  bool exact = true, quota = true;
  for (int64_t tasks : {1, 2, 3, 7, 50, 200}) {
    std::vector<int32_t> seen(size_t(off / 64), 0);
    for (int64_t t = 0; t < tasks; ++t) {
      for (int64_t handouts : {1, 4, 9, 1000}) {
        simd::AheadCursor cur(simd::TaskAhead{&a, t, tasks}, handouts);
        std::vector<int64_t> got;
        for (int64_t h = 0; h < handouts + a.n - 1; ++h) {  // a handout stops at a range's end
          const char *p, *e;
          cur.take(1 << 20, &p, &e);
          quota = quota && (e - p) / 64 <= cur.per_handout();
          for (; p < e; p += 64) got.push_back((p - arena) / 64);
        }
        const char *p, *e;
        cur.take(1 << 20, &p, &e);
        exact = exact && p == e && cur.done();  // nothing left
        std::vector<int64_t> want;
        int64_t base = 0;
        for (int64_t l : range_lines) {
          const simd::LineShare sh = simd::line_share(l, t, tasks);
          for (int64_t x = sh.first; x < sh.end; ++x) want.push_back(base + x);
          base += l + 3;
        }
        exact = exact && got == want;
        if (handouts == 1) {
          for (int64_t x : got) ++seen[size_t(x)];
        }
      }
    }
    int64_t base = 0;
    for (int64_t l : range_lines) {
      for (int64_t x = 0; x < l; ++x) exact = exact && seen[size_t(base + x)] == 1;
      for (int64_t x = l; x < l + 3; ++x) exact = exact && seen[size_t(base + x)] == 0;
      base += l + 3;
    }
  }
  checks.push_back(check(exact, "the tasks' cursors hand out every line of the ranges once, each its own share in order"));
  const Ahead none;
  checks.push_back(check(simd::AheadCursor(simd::TaskAhead{&none, 0, 1}, 5).done() && simd::AheadCursor(simd::TaskAhead{}, 5).done(),
         "a cursor over no ranges has nothing to hand out"));
  checks.push_back(check(quota, "no handout exceeds the cursor's quota"));
  return checks;
}

}  // namespace effnet
