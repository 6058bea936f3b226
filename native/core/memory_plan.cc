#include "core/memory_plan.h"

#include <algorithm>

#include "core/aligned_buffer.h"

namespace effnet {

MemoryLayout plan_memory(const Plan& plan, int32_t batch, int64_t scratch_floats, int32_t band_end,
                         const std::vector<int32_t>& fused_first, int32_t band_images) {
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
  std::vector<int64_t> size(n, 0);
  std::vector<size_t> order;
  for (size_t v = 0; v < n; ++v) {
    if (int32_t(v) == plan.input || first[v] < 0) continue;
    size[v] = align_floats(plan.values[v].size() * (per_image[v] ? std::min(band_images, batch) : batch));
    layout.unshared_floats += size[v];
    order.push_back(v);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return size[a] > size[b]; });

  std::vector<size_t> placed;
  std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of placed values live at the same time
  for (size_t v : order) {
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
    layout.total_floats = std::max(layout.total_floats, layout.offset[v] + size[v]);
    placed.push_back(v);
  }
  layout.scratch_offset = layout.total_floats;
  layout.total_floats += align_floats(scratch_floats);
  return layout;
}

}  // namespace effnet
