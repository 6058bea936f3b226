// effnet_dw_bench: the GFLOP/s of dwconv_bn_act on EfficientNet-B0's depthwise shapes (batch 1,
// with the SE sums the network takes), at every CPU level this machine runs, each with swish and
// without it: the difference is what the swish epilogue costs (the op alone, tools/op_timing.h).
//   effnet_dw_bench [--threads T] [--iters K] [--level L]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/prng.h"
#include "cpu/kernel_math.h"
#include "cpu/levels.h"
#include "effnet/error.h"
#include "tools/op_timing.h"

using namespace effnet;

namespace {

struct Shape { int32_t hw, c, k, s; };

// A one-op plan: x [hw,hw,c] -> y (torchvision's symmetric padding k/2), sums as value 2.
Plan dw_plan(const Shape& s, Act act, uint64_t seed) {
  const int32_t pad = s.k / 2, out = int32_t(conv_out_size(s.hw, s.k, s.s, pad, pad));
  Plan p;
  p.values = {{s.hw, s.hw, s.c}, {out, out, s.c}, {1, 1, s.c}};
  OpDesc op;
  op.kind = OpKind::dwconv_bn_act;
  op.x = 0;
  op.y = 1;
  op.sums = 2;
  op.k = s.k;
  op.stride = s.s;
  op.pad = {pad, pad, pad, pad};
  op.act = act;
  Prng rng(seed);
  op.weight.resize(size_t(s.c) * s.k * s.k);
  for (float& f : op.weight) f = rng.uniform(-0.3f, 0.3f);
  op.bias.assign(size_t(s.c), 0.1f);
  p.ops.push_back(op);
  p.input = 0;
  p.outputs = {1, 2};
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  int32_t threads = int32_t(std::thread::hardware_concurrency()), iters = 400;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::max(1, std::atoi(argv[++i]));
    else if (a == "--iters" && i + 1 < argc) iters = std::max(1, std::atoi(argv[++i]));
    else if (a == "--level" && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: effnet_dw_bench [--threads T] [--iters K] [--level L]\n");
      return 2;
    }
  }
  // B0's depthwise convolutions (input side), first to last stage.
  const Shape shapes[] = {{112, 32, 3, 1}, {112, 96, 3, 2}, {56, 144, 3, 1}, {56, 144, 5, 2}, {28, 240, 5, 1},
                          {28, 240, 3, 2}, {14, 480, 3, 1},  {14, 672, 5, 1},  {14, 672, 5, 2}, {7, 1152, 5, 1},
                          {7, 1152, 3, 1}};
  try {
    for (const CpuKernels* level : runnable_levels()) {
      if (!only.empty() && only != level->level) continue;
      for (int32_t t : {1, threads}) {
        std::printf("dwconv_bn_act, level %s, %d thread(s): median of %d runs; GFLOP/s = 2 x multiply-adds / time\n",
                    level->level, t, iters);
        std::printf("  %-22s %10s %8s %12s %8s %12s\n", "shape", "swish ms", "GFLOP/s", "no-act ms", "GFLOP/s",
                    "swish share");
        for (const Shape& s : shapes) {
          const int64_t out = conv_out_size(s.hw, s.k, s.s, s.k / 2, s.k / 2);
          const double flop = 2.0 * out * out * s.c * s.k * s.k;
          const double with = median_op_ms(dw_plan(s, Act::swish, 7), *level, t, iters);
          const double without = median_op_ms(dw_plan(s, Act::none, 7), *level, t, iters);
          char name[64];
          std::snprintf(name, sizeof(name), "%dx%dx%d k%d s%d", s.hw, s.hw, s.c, s.k, s.s);
          std::printf("  %-22s %10.4f %8.1f %12.4f %8.1f %11.0f%%\n", name, with, flop / (with * 1e6), without,
                      flop / (without * 1e6), 100.0 * (with - without) / with);
        }
      }
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "effnet_dw_bench: %s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  return 0;
}
