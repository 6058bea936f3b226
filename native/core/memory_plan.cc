#include "core/memory_plan.h"

#include <algorithm>

#include "core/aligned_buffer.h"

namespace effnet {

MemoryLayout plan_memory(const Plan& plan, int32_t batch, int64_t scratch_floats, int32_t band_end,
                         const std::vector<int32_t>& fused_first, int32_t band_images, int32_t band_lanes) {
  const size_t n = plan.values.size();
  const int32_t end = int32_t(plan.ops.size());
  std::vector<int32_t> first(n, -1), last(n, -1);
  for (int32_t i = 0; i < end; ++i) {
    const OpDesc& op = plan.ops[size_t(i)];
    for (int32_t v : {op.y, op.sums, op.map}) {
      if (v >= 0) first[size_t(v)] = last[size_t(v)] = i;
    }
    for (int32_t v : {op.x, op.gate, op.residual}) {
      if (v >= 0) last[size_t(v)] = std::max(last[size_t(v)], i);
    }
  }
  for (int32_t v : plan.outputs) last[size_t(v)] = end;
  for (int32_t i : fused_first) {
    const OpDesc& op = plan.ops[size_t(i)];
    first[size_t(op.y)] = last[size_t(op.y)] = -1;  // never materialized
    last[size_t(op.x)] = std::max(last[size_t(op.x)], i + 1);
  }

  MemoryLayout layout;
  std::vector<bool> per_image(n, false);
  if (band_end > 0 && batch > 1) {
    layout.image_stride.assign(n, 0);
    for (size_t v = 0; v < n; ++v) {
      const bool touched = int32_t(v) == plan.input || (first[v] >= 0 && first[v] < band_end);
      if (!touched) continue;
      if (int32_t(v) != plan.input && last[v] < band_end) {
        per_image[v] = true;  // dead before the band ends: one group's worth, reused by every group
      } else {
        layout.image_stride[v] = plan.values[v].size();
        if (first[v] >= 0) first[v] = 0;  // live across every image's pass through the band
        last[v] = std::max(last[v], band_end - 1);
      }
    }
  }
  layout.offset.assign(n, -1);
  // Index n: with band lanes, the block holding every lane's copy of the one-group values.
  std::vector<int64_t> size(n + 1, 0);
  first.push_back(-1);
  last.push_back(-1);
  std::vector<size_t> order, lane_order;
  for (size_t v = 0; v < n; ++v) {
    if (int32_t(v) == plan.input || first[v] < 0) continue;
    size[v] = align_floats(plan.values[v].size() * (per_image[v] ? std::min(band_images, batch) : batch));
    const bool in_lane = per_image[v] && band_lanes > 1;
    layout.unshared_floats += size[v] * (in_lane ? band_lanes : 1);
    (in_lane ? lane_order : order).push_back(v);
  }

  // Greedy placement of `vals` among themselves; returns the end of the highest one.
  auto place = [&](std::vector<size_t>& vals) {
    std::stable_sort(vals.begin(), vals.end(), [&](size_t a, size_t b) { return size[a] > size[b]; });
    std::vector<size_t> placed;
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of placed values live at the same time
    int64_t total = 0;
    for (size_t v : vals) {
      busy.clear();
      for (size_t u : placed) {
        if (first[u] <= last[v] && first[v] <= last[u]) busy.emplace_back(layout.offset[u], layout.offset[u] + size[u]);
      }
      std::sort(busy.begin(), busy.end());
      int64_t best = -1, best_gap = 0, cursor = 0;
      for (const auto& b : busy) {
        const int64_t gap = b.first - cursor;
        if (gap >= size[v] && (best < 0 || gap < best_gap)) {
          best = cursor;
          best_gap = gap;
        }
        cursor = std::max(cursor, b.second);
      }
      layout.offset[v] = best >= 0 ? best : cursor;
      total = std::max(total, layout.offset[v] + size[v]);
      placed.push_back(v);
    }
    return total;
  };
  layout.offset.push_back(-1);
  if (!lane_order.empty()) {
    // Lanes run the band concurrently at different ops, so each lane gets its own copy of the
    // one-group values (shared among themselves by lifetime as usual), lane_stride apart.
    layout.lane_stride = place(lane_order);
    size[n] = layout.lane_stride * band_lanes;
    first[n] = 0;
    last[n] = band_end - 1;
    order.push_back(n);
  }
  layout.total_floats = place(order);
  for (size_t v : lane_order) layout.offset[v] += layout.offset[n];
  layout.offset.pop_back();
  layout.scratch_offset = layout.total_floats;
  layout.total_floats += align_floats(scratch_floats);
  return layout;
}

}  // namespace effnet
