#include "core/peak.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/aligned_buffer.h"
#include "cpu/levels.h"

namespace effnet {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Keeps results alive so the compiler cannot drop the work that made them.
volatile float g_sink_f = 0;
volatile uint64_t g_sink_u = 0;

// The widest level this CPU runs that has an FMA probe (runnable_levels() lists lowest first).
const CpuKernels* probe_level() {
  const std::vector<const CpuKernels*> levels = runnable_levels();
  for (auto it = levels.rbegin(); it != levels.rend(); ++it) {
    if ((*it)->fma_probe.burst != nullptr) return *it;
  }
  return nullptr;
}

// GFLOP/s of `iters` bursts on this thread.
double burst_gflops(const FmaProbe& p, int64_t iters) {
  const auto t0 = Clock::now();
  g_sink_f = g_sink_f + p.burst(iters);
  const double s = seconds_since(t0);
  return double(iters) * p.chains * p.flops_per_lane * p.lanes / s / 1e9;
}

// Runs fn(thread index) on `threads` threads at once.
template <class Fn>
void on_threads(int32_t threads, Fn fn) {
  std::vector<std::thread> pool;
  for (int32_t t = 0; t < threads; ++t) pool.emplace_back(fn, t);
  for (auto& th : pool) th.join();
}

struct ProbeRates {
  std::vector<double> one;  // one thread, each trial
  double per_core = 0;      // the best of them
  double all = 0;           // every thread at once
};

// A probe's rates: trials of about `slice` seconds each, on one thread and then on `threads`.
ProbeRates measure_probe(const FmaProbe& p, double slice, int32_t threads) {
  // Calibrate: how many iterations fill a slice.
  int64_t iters = 1 << 16;
  for (;;) {
    const auto t0 = Clock::now();
    g_sink_f = g_sink_f + p.burst(iters);
    const double s = seconds_since(t0);
    if (s >= slice / 4 || iters > (int64_t(1) << 40)) {
      iters = std::max<int64_t>(1, int64_t(double(iters) * slice / std::max(s, 1e-6)));
      break;
    }
    iters *= 4;
  }
  ProbeRates r;
  for (int trial = 0; trial < 3; ++trial) r.one.push_back(burst_gflops(p, iters));
  r.per_core = *std::max_element(r.one.begin(), r.one.end());
  // All threads at once, best of two trials.
  for (int trial = 0; trial < 2; ++trial) {
    std::vector<double> rates(size_t(threads), 0.0);
    on_threads(threads, [&](int32_t t) { rates[size_t(t)] = burst_gflops(p, iters); });
    double sum = 0;
    for (double v : rates) sum += v;
    r.all = std::max(r.all, sum);
  }
  return r;
}

}  // namespace

PeakResult measure_peak(double seconds) {
  PeakResult r;
  const int32_t threads = std::max(1, int32_t(std::thread::hardware_concurrency()));
  r.threads = threads;
  const double slice = std::max(0.05, seconds / 8);  // each trial's length

  if (const CpuKernels* k = probe_level()) {
    const FmaProbe& p = k->fma_probe;
    r.level = k->level;
    r.lanes = p.lanes;
    r.chains = p.chains;
    ProbeRates fma = measure_probe(p, slice, threads);
    r.gflops_one = fma.one;
    r.gflops_per_core = fma.per_core;
    r.gflops_all = fma.all;
  }
#if defined(__x86_64__) || defined(__i386__)
  if (bf16_supported()) {
    const ProbeRates dot = measure_probe(avx512_bf16_kernels().fma_probe, slice, threads);
    r.bf16_gflops_per_core = dot.per_core;
    r.bf16_gflops_all = dot.all;
  }
#endif

  // Bandwidth: 256 MiB per buffer, far beyond any last-level cache, split among the threads.
  const int64_t bytes = int64_t(256) << 20;
  r.buffer_bytes = bytes;
  AlignedBuffer a(bytes / 4);
  AlignedBuffer b(bytes / 4);
  std::memset(a.data(), 1, size_t(bytes));  // touch every page before timing
  std::memset(b.data(), 0, size_t(bytes));
  const int64_t words = bytes / 8;
  const int64_t per = (words + threads - 1) / threads;
  for (int trial = 0; trial < 3; ++trial) {
    auto t0 = Clock::now();
    on_threads(threads, [&](int32_t t) {
      const uint64_t* w = reinterpret_cast<const uint64_t*>(a.data());
      const int64_t lo = int64_t(t) * per, hi = std::min(words, lo + per);
      uint64_t x = 0;  // integer reduction: vectorizes without reassociating floats
      for (int64_t i = lo; i < hi; ++i) x ^= w[i];
      g_sink_u = g_sink_u ^ x;
    });
    r.read_gbs = std::max(r.read_gbs, double(bytes) / seconds_since(t0) / 1e9);
    t0 = Clock::now();
    on_threads(threads, [&](int32_t t) {
      const int64_t lo = int64_t(t) * per * 8, hi = std::min(bytes, lo + per * 8);
      if (hi > lo) std::memcpy(reinterpret_cast<char*>(b.data()) + lo, reinterpret_cast<const char*>(a.data()) + lo, size_t(hi - lo));
    });
    r.copy_gbs = std::max(r.copy_gbs, 2.0 * double(bytes) / seconds_since(t0) / 1e9);
  }
  return r;
}

}  // namespace effnet
