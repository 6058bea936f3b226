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
//
// Per-image band (band_end > 0, batch > 1): Model runs ops [0, band_end) one group of band_images
// images at a time, then the rest batched, so the early, large activations of one image stay in
// cache instead of batch x them streaming through DRAM. Values that live only inside the band are
// then sized for ONE group (every group reuses them); every other value the band touches keeps its
// batch size, is addressed at offset n * size for the group starting at image n (image_stride), and
// is kept live over the whole band (group g+1 runs the band's first ops while g's slice survives).
//
// Band lanes (band_lanes > 1): groups run concurrently, one per thread; each lane gets its own
// copy of the one-group values (laid out among themselves as above), kept live over the band.
//
// Fused pairs (fused_first: op indices i where the CPU backend runs ops i and i + 1 as one step,
// cpu/expand_dw.h): op i's output is never written, so it gets no memory, and op i's input is
// still read while op i + 1 writes, so it lives through op i + 1.
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
  // Per value id: floats between consecutive images' slices inside the band (0 for values sized
  // for one image). Empty when there is no band.
  std::vector<int64_t> image_stride;
  // band_lanes > 1: the band runs on that many threads at once, one group each; the one-group
  // values then have one copy per lane, lane_stride floats apart (lane l at offset + l * lane_stride).
  int64_t lane_stride = 0;
};

MemoryLayout plan_memory(const Plan& plan, int32_t batch, int64_t scratch_floats, int32_t band_end = 0,
                         const std::vector<int32_t>& fused_first = {}, int32_t band_images = 1, int32_t band_lanes = 1);

}  // namespace effnet
