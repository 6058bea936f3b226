// This machine's physical limits, measured: the FMA peak of the widest SIMD level the CPU runs
// (every core busy), the bf16 dot peak where the CPU has one, and the memory bandwidth (a streaming read and a copy of buffers far larger
// than any last-level cache). `efficientnet bench --peak` prints them and the bench quotes its
// figures as fractions of them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace effnet {

struct PeakResult {
  std::string level;               // the SIMD level measured ("" when the CPU runs none)
  int32_t lanes = 0;               // floats per vector
  int32_t chains = 0;              // independent FMA chains per thread
  std::vector<double> gflops_one;  // one thread alone: GFLOP/s of each trial (the best is the peak)
  double gflops_per_core = 0;      // best single-thread trial
  int32_t threads = 0;             // threads of the all-core run (one per hardware thread)
  double gflops_all = 0;           // all threads at once: the sum of their rates
  // The same for the bf16 pair dot of precision 'bf16' (vdpbf16ps, 4 flops per lane), on CPUs
  // with AVX512_BF16; 0 elsewhere.
  double bf16_gflops_per_core = 0;
  double bf16_gflops_all = 0;
  double read_gbs = 0;             // streaming read, all threads
  double copy_gbs = 0;             // copy (bytes read + bytes written), all threads
  int64_t buffer_bytes = 0;        // size of each bandwidth buffer
};

// Takes about `seconds` in all (at least a few hundred ms).
PeakResult measure_peak(double seconds);

}  // namespace effnet
