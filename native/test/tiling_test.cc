#include "test/tiling_test.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/prng.h"
#include "cpu/expand_dw.h"
#include "cpu/simd/tiling.h"

namespace effnet {
namespace {

using simd::ceil_div;

// The busiest thread's share of a split's work, counted in rows x panels, when each of `threads`
// threads takes ceil(tasks / threads) tasks of the largest size: an upper bound of what the pool's
// contiguous task ranges give it.
double busiest_share(const simd::GemmSplit& s, int64_t m, int64_t panels, int32_t threads) {
  const int64_t rows = std::min(m, s.row_chunk), cols = std::min(panels, s.panel_chunk);
  const int64_t tasks = s.row_chunks * s.panel_chunks;
  return double(ceil_div(tasks, threads)) * double(rows * cols) / double(m * panels);
}

}  // namespace

// The GEMM split covers every row and panel with chunks of whole micro-tiles, and gives 2 threads
// near-equal halves of B0's late 1x1 shapes at batch 1, including those whose panel count is odd
// (7 panels for 112 output channels). The fused step's per-thread areas keep every thread's A tile
// at least 256 bytes, modulo 4 KiB, from where any thread's ring starts (cpu/expand_dw.cc).
std::vector<NamedCheck> tiling_checks() {
  std::vector<NamedCheck> checks;
  Prng rng(5);
  bool covers = true;
  for (int trial = 0; trial < 500; ++trial) {
    const int64_t m = 1 + int64_t(rng.next() % 5000), panels = 1 + int64_t(rng.next() % 90);
    const int64_t k = 1 + int64_t(rng.next() % 1500), mr = 1 + int64_t(rng.next() % 12);
    const int64_t nv = 1 + int64_t(rng.next() % 3);
    const int32_t threads = 1 + int32_t(rng.next() % 16);
    const simd::GemmSplit s = simd::gemm_split(m, panels, k, 16, mr, nv, threads);
    covers = covers && s.row_chunk % mr == 0 && s.panel_chunk % nv == 0 && s.row_chunk * s.row_chunks >= m &&
             s.row_chunk * (s.row_chunks - 1) < m && s.panel_chunk * s.panel_chunks >= panels &&
             s.panel_chunk * (s.panel_chunks - 1) < panels;
  }
  checks.push_back({"gemm_split: chunks of whole micro-tiles cover every row and panel, none empty", covers});

  // B0 at batch 1 (AVX-512: 8-row tiles, panel pairs of 16 floats): 28x28, 14x14 and 7x7 expands and
  // projects, {rows, output channels, input channels}. 55 %: two halves differ by at most a tenth.
  struct Shape {
    int64_t m, n, k;
  };
  for (const Shape& sh : {Shape{196, 112, 480}, Shape{196, 112, 672}, Shape{196, 80, 480}, Shape{196, 480, 80},
                          Shape{196, 672, 112}, Shape{49, 192, 1152}, Shape{49, 1152, 192}, Shape{49, 320, 1152},
                          Shape{784, 40, 240}, Shape{784, 240, 40}}) {
    const int64_t panels = ceil_div(sh.n, 16);
    const double share = busiest_share(simd::gemm_split(sh.m, panels, sh.k, 16, 8, 2, 2), sh.m, panels, 2);
    checks.push_back({"gemm_split: 2 threads share " + std::to_string(sh.m) + "x" + std::to_string(sh.k) + "->" +
                          std::to_string(sh.n) + " within 55 / 45 (busiest " + std::to_string(share) + ")",
                      share <= 0.55});
  }

  bool apart = true;
  for (const int64_t c : {int64_t(96), int64_t(144), int64_t(192), int64_t(240), int64_t(16)}) {
    for (const int64_t w : {int64_t(112), int64_t(150), int64_t(300), int64_t(7)}) {
      OpDesc dw;
      dw.k = 3;
      dw.stride = 2;
      const ValueDesc e{int32_t(w), int32_t(w), int32_t(c)};
      const int64_t area = expand_dw_thread_floats(dw, e), tile = expand_dw_tile_offset(dw, e);
      for (int64_t t = 0; t < 16; ++t) {
        for (int64_t u = 0; u < 16; ++u) {
          const int64_t d = ((t * area + tile - u * area) % 1024 + 1024) % 1024;  // floats, modulo 4 KiB
          apart = apart && d >= 64 && d <= 1024 - 64;
        }
      }
    }
  }
  checks.push_back({"fused step: every A tile >= 256 bytes (mod 4 KiB) from every thread's ring start", apart});

  // The depthwise bands: at least one, at most one per row, 2 tasks per thread where the map is
  // tall enough for bands of 2 rows or more, else one row each.
  bool bands = true;
  for (const int32_t h : {1, 2, 7, 14, 28, 56, 112, 300}) {
    for (const int32_t batch : {1, 2, 8, 64}) {
      for (const int32_t threads : {0, 1, 2, 3, 16, 64}) {
        const int64_t nb = simd::dw_bands(ValueDesc{h, h, 32}, batch, threads);
        const int64_t want = (2 * std::max(1, threads) + batch - 1) / batch;
        bands = bands && nb >= 1 && nb <= h && nb == (h < 2 * want ? h : want);
      }
    }
  }
  bands = bands && simd::dw_bands(ValueDesc{7, 7, 1152}, 1, 2) == 7 && simd::dw_bands(ValueDesc{14, 14, 672}, 1, 2) == 4 &&
          simd::dw_bands(ValueDesc{56, 56, 144}, 8, 2) == 1;
  checks.push_back({"dwconv bands: 1 <= bands <= rows; 2 tasks per thread, or one row each on short maps", bands});
  return checks;
}

}  // namespace effnet
