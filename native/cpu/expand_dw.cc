#include "cpu/expand_dw.h"

#include <algorithm>

#include "core/thread_pool.h"
#include "cpu/simd/tiling.h"

namespace effnet {

namespace {
constexpr int64_t kRingBytes = 384 * 1024;      // of a 1 MiB (Zen 4) or 2 MiB L2, next to x's rows and the weights
constexpr int64_t kFuseMinBytes = int64_t(4) << 20;  // see expand_dw_worth_it
// Where each thread's ring and A tile start modulo 4 KiB: thread areas are whole 4 KiB units plus
// 1 KiB, so up to four threads' rings start 1 KiB apart, and each tile starts 512 bytes past its
// ring, so no tile starts where a ring does. Measured (Zen 5, B0's 112x112x96 pair, bf16, which
// prepares its A rows in the tile): a tile at its own ring's offset made the step 1.8x slower on 1
// thread; at the other thread's ring's offset (the layout before: areas 2 KiB apart, tiles at
// their ring's end) 1.6-1.9x slower on 2 threads, and within 128 bytes of it still ~1.2x; 256
// bytes to 3 KiB away, full speed. fp32 (no tile here) ran 0.6-3 % slower on 2 threads with both
// rings at one offset. The mechanism was not pinned down (no performance counters on that VM).
constexpr int64_t kAliasFloats = 4096 / int64_t(sizeof(float));
constexpr int64_t kThreadPhaseFloats = kAliasFloats / 4;
constexpr int64_t kTileGapFloats = kAliasFloats / 8;
}  // namespace

bool expand_dw_worth_it(const ValueDesc& expanded) {
  return expanded.size() * int64_t(sizeof(float)) >= kFuseMinBytes;
}

int64_t expand_dw_ring_rows(int64_t k, int64_t s, int64_t row_floats) {
  const int64_t fit = kRingBytes / std::max<int64_t>(1, row_floats * int64_t(sizeof(float)));
  return std::max(k + s, std::min(k + 4 * s, fit));
}

int64_t expand_dw_chunks(int64_t out_rows, int32_t batch, int32_t threads) {
  const int64_t per_image = (std::max<int32_t>(1, threads) + batch - 1) / batch;
  return std::max<int64_t>(1, std::min(out_rows, per_image));
}

int64_t expand_dw_partials_floats(const OpDesc& dw, const ValueDesc& out, int32_t batch) {
  return dw.sums >= 0 ? simd::round_up(int64_t(batch) * out.h * simd::round_up(out.c, simd::kChannelPad), 16) : 0;
}

int64_t expand_dw_ring_floats(const OpDesc& dw, const ValueDesc& expanded) {
  const int64_t row = int64_t(expanded.w) * expanded.c;
  return simd::round_up(expand_dw_ring_rows(dw.k, dw.stride, row) * row, kAliasFloats);
}

int64_t expand_dw_tile_offset(const OpDesc& dw, const ValueDesc& expanded) {
  return expand_dw_ring_floats(dw, expanded) + kTileGapFloats;
}

int64_t expand_dw_thread_floats(const OpDesc& dw, const ValueDesc& expanded) {
  return simd::round_up(expand_dw_tile_offset(dw, expanded) + simd::gemm_tile_floats(expanded.c), kAliasFloats) +
         kThreadPhaseFloats;
}

int64_t expand_dw_scratch(const OpDesc& dw, const ValueDesc& expanded, const ValueDesc& out, int32_t batch) {
  return expand_dw_partials_floats(dw, out, batch) +
         int64_t(ThreadPool::instance().capacity()) * expand_dw_thread_floats(dw, expanded);
}

}  // namespace effnet
