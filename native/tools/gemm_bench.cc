// effnet_gemm_bench: the machine's fp32 FMA peak (independent FMA chains on zmm and ymm registers,
// per core and on every core) and the GFLOP/s of the pwconv_bn_act GEMM on EfficientNet-B0's 1x1
// shapes (batch 1, gated where the network gates them; the op alone, as compile_op + run_op), at
// every CPU level this machine runs, and on the bf16 kernels (precision 'bf16', "avx512-bf16") where
// the CPU has AVX512_BF16.
//   effnet_gemm_bench [--threads T] [--iters K] [--level L]
#if defined(__x86_64__) || defined(__i386__)  // the FMA peak rows are x86 only
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/prng.h"
#include "cpu/levels.h"
#include "effnet/error.h"
#include "effnet/model.h"
#include "tools/op_timing.h"

using namespace effnet;

namespace {

using Clock = std::chrono::steady_clock;

#if defined(__x86_64__) || defined(__i386__)
// 12 independent accumulators: enough FMAs in flight to cover 2 pipes x 4 cycles of latency.
__attribute__((target("avx512f"))) float fma_chains_zmm(int64_t iters) {
  __m512 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ps(float(i));
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-6f);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) a[i] = _mm512_fmadd_ps(a[i], m, c);
  }
  __m512 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, a[i]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0] + out[15];
}

__attribute__((target("avx2,fma"))) float fma_chains_ymm(int64_t iters) {
  __m256 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps(float(i));
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], m, c);
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, a[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}

// GFLOP/s of `threads` copies of fn running at once (best of 5).
double peak(float (*fn)(int64_t), int lanes, int threads) {
  const int64_t iters = 20'000'000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> pool;
    std::vector<float> sink(static_cast<size_t>(threads));
    const auto t0 = Clock::now();
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { sink[size_t(t)] = fn(iters); });
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, 2.0 * lanes * 12 * iters * threads / s / 1e9);
  }
  return best;
}
#endif  // defined(__x86_64__) || defined(__i386__)

struct Shape { const char* name; int32_t h, w, cin, cout; bool gate; Act act; };

// A one-op plan: x [h,w,cin] -> y [h,w,cout], with the gate as value 2 when gated. It is fed to
// median_op_ms (tools/op_timing.h), so only the pwconv itself is timed.
Plan pw_plan(const Shape& s, uint64_t seed) {
  Plan p;
  p.values = {{s.h, s.w, s.cin}, {s.h, s.w, s.cout}, {1, 1, s.cin}};
  OpDesc op;
  op.kind = OpKind::pwconv_bn_act;
  op.x = 0;
  op.y = 1;
  op.gate = s.gate ? 2 : -1;
  op.act = s.act;
  Prng rng(seed);
  op.weight.resize(size_t(s.cin) * s.cout);
  for (float& f : op.weight) f = rng.uniform(-0.1f, 0.1f);
  op.bias.assign(size_t(s.cout), 0.1f);
  p.ops.push_back(op);
  p.input = 0;
  p.outputs = {1};
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  int32_t threads = int32_t(std::thread::hardware_concurrency()), iters = 200;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--iters" && i + 1 < argc) iters = std::max(1, std::atoi(argv[++i]));
    else if (a == "--level" && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: effnet_gemm_bench [--threads T] [--iters K] [--level L]\n");
      return 2;
    }
  }
#if defined(__x86_64__) || defined(__i386__)
  const auto features = cpu_features();
  const auto has = [&](const char* f) { return std::find(features.begin(), features.end(), f) != features.end(); };
  std::printf("fp32 FMA peak (GFLOP/s, 12 independent FMA chains):\n");
  if (has("avx512f")) {
    std::printf("  zmm: %7.1f per core, %7.1f on %d threads\n", peak(fma_chains_zmm, 16, 1),
                peak(fma_chains_zmm, 16, threads), threads);
  }
  if (has("avx2") && has("fma")) {
    std::printf("  ymm: %7.1f per core, %7.1f on %d threads\n", peak(fma_chains_ymm, 8, 1),
                peak(fma_chains_ymm, 8, threads), threads);
  }
#endif
  // B0's largest 1x1 convs (batch 1): expand (swish), project (gated, no act), and the head's GEMM.
  const Shape shapes[] = {
      {"112x112 32->16 proj", 112, 112, 32, 16, true, Act::none},
      {"112x112 16->96 exp", 112, 112, 16, 96, false, Act::swish},
      {"56x56 24->144 exp", 56, 56, 24, 144, false, Act::swish},
      {"56x56 144->24 proj", 56, 56, 144, 24, true, Act::none},
      {"28x28 240->40 proj", 28, 28, 240, 40, true, Act::none},
      {"14x14 80->480 exp", 14, 14, 80, 480, false, Act::swish},
      {"14x14 480->80 proj", 14, 14, 480, 80, true, Act::none},
      {"7x7 1152->320 proj", 7, 7, 1152, 320, true, Act::none},
      {"7x7 192->1152 exp", 7, 7, 192, 1152, false, Act::swish},
      {"7x7 320->1280 head", 7, 7, 320, 1280, false, Act::swish},
  };
  std::vector<const CpuKernels*> tables = runnable_levels();
#if defined(__x86_64__) || defined(__i386__)
  if (bf16_supported()) tables.push_back(&avx512_bf16_kernels());
#endif
  try {
    for (const CpuKernels* level : tables) {
      if (!only.empty() && only != level->level) continue;
      for (int32_t t : {1, threads}) {
        std::printf("pwconv_bn_act GEMM, level %s, %d thread(s): GFLOP/s (median of %d)\n", level->level, t, iters);
        for (const Shape& s : shapes) {
          const double med = median_op_ms(pw_plan(s, 7), *level, t, iters);
          const double flop = 2.0 * s.h * s.w * s.cin * s.cout;
          std::printf("  %-22s M=%6d K=%5d N=%5d  %8.4f ms  %7.1f GFLOP/s\n", s.name, s.h * s.w, s.cin, s.cout, med,
                      flop / (med * 1e6));
        }
      }
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "effnet_gemm_bench: %s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  return 0;
}
