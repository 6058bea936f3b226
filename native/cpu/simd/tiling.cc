#include "cpu/simd/tiling.h"

#include <algorithm>

#include "core/thread_pool.h"

namespace effnet {
namespace simd {

namespace {
// Weights of one column chunk: ~384 KiB, well inside a 1-2 MiB L2 next to the A rows.
constexpr int64_t kL2ChunkFloats = 96 * 1024;
constexpr int64_t kDefaultRowChunk = 256;
}  // namespace

GemmSplit gemm_split(int64_t m, int64_t panels, int64_t k, int64_t w, int64_t mr, int64_t nv, int32_t threads,
                     int64_t fixed_rows) {
  // Work in tiles: rt row tiles x pp panel groups (nv panels each).
  const int64_t rt = ceil_div(m, mr), pp = ceil_div(panels, nv);
  const int64_t pp_cap = std::max<int64_t>(1, kL2ChunkFloats / std::max<int64_t>(1, k * w * nv));
  const int64_t rt_cap = fixed_rows > 0 ? ceil_div(fixed_rows, mr) : kDefaultRowChunk / mr;
  const int64_t npc0 = ceil_div(pp, pp_cap), nrc0 = fixed_rows > 0 ? ceil_div(m, fixed_rows) : ceil_div(rt, rt_cap);
  const int64_t t = std::max<int32_t>(1, threads);
  // The pool gives each thread a contiguous range of tasks (taking from the others' when done), so
  // with tasks of (nearly) equal size the busiest thread does ceil(tasks / t) of them. Search a few finer grids for the smallest such makespan
  // (in tiles), with a small charge per task for its setup and its re-reading of A and B. A task's
  // columns count as the panels it has, not whole groups of nv: B0's 14x14 projects to 112
  // channels (7 panels) were cut into 4 + 3 panels, costed as 4 + 4, and ran 1.7x faster on 2
  // threads than on 1 instead of 1.9x with the row halves chosen now (bench/RESULTS.md, 15:35).
  int64_t best_npc = npc0, best_nrc = nrc0;
  double best = -1;
  const int64_t extra = t > 1 ? 4 * t : 0;
  const int64_t nrc_last = fixed_rows > 0 ? nrc0 : std::min(rt, nrc0 + extra);
  for (int64_t nrc = nrc0; nrc <= nrc_last; ++nrc) {
    for (int64_t npc = npc0; npc <= std::min(pp, npc0 + extra); ++npc) {
      const int64_t tasks = nrc * npc;
      const double tile_work = double(ceil_div(rt, nrc)) * double(std::min(panels, ceil_div(pp, npc) * nv)) / double(nv);
      const double span = double(ceil_div(tasks, t)) * (tile_work + 2.0);
      if (best < 0 || span < best) {
        best = span;
        best_npc = npc;
        best_nrc = nrc;
      }
    }
  }
  GemmSplit s;
  s.panel_chunk = ceil_div(pp, best_npc) * nv;
  s.panel_chunks = ceil_div(panels, s.panel_chunk);
  s.row_chunk = fixed_rows > 0 ? fixed_rows : ceil_div(rt, best_nrc) * mr;
  s.row_chunks = ceil_div(m, s.row_chunk);
  return s;
}

int64_t dwconv_bn_act_scratch(const OpDesc& op, const ValueDesc&, const ValueDesc& out, const PackedWeights&,
                              int32_t batch) {
  return op.sums >= 0 ? int64_t(batch) * out.h * round_up(out.c, kChannelPad) : 0;  // per-row partials
}

int64_t se_gate_scratch(const OpDesc&, const ValueDesc&, const ValueDesc&, const PackedWeights& p, int32_t batch) {
  return int64_t(batch) * round_up(p.hidden, kChannelPad);
}

// The A tile of each pool thread.
int64_t gemm_tiles_scratch(const OpDesc&, const ValueDesc& in, const ValueDesc&, const PackedWeights&, int32_t) {
  return int64_t(ThreadPool::instance().capacity()) * gemm_tile_floats(in.c);
}

// fp32: only a gated GEMM needs scratch: the tiles of gated rows, or one image's gated weights
// (cpu/simd/pwconv_bn_act.h; panels of any level's width hold at most round_up(Cout, 16) x K floats).
int64_t pwconv_bn_act_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                              int32_t batch) {
  if (op.gate < 0) return 0;
  if (gate_in_weights(int64_t(in.h) * in.w, out.c)) return round_up(out.c, kChannelPad) * in.c;
  return gemm_tiles_scratch(op, in, out, p, batch);
}

int64_t head_pool_scratch(const OpDesc&, const ValueDesc& in, const ValueDesc& out, const PackedWeights&,
                          int32_t batch) {
  return head_partial_floats(in, out, batch);
}

int64_t head_pool_tiles_scratch(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, const PackedWeights& p,
                                int32_t batch) {
  return head_partial_floats(in, out, batch) + gemm_tiles_scratch(op, in, out, p, batch);
}

}  // namespace simd
}  // namespace effnet
