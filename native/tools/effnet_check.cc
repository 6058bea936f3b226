// effnet_check: runs every op case (test/op_cases) at every CPU kernel level this machine can run,
// against the scalar reference, and prints a table. Exit status 1 on any failure.
// Where the CPU runs precision 'bf16', its kernels are checked too (level "bf16"; its 1x1 ops against
// the reference fed bf16-rounded inputs and weights, test/op_cases.cc).
//   effnet_check [--filter SUBSTRING] [--threads N] [--level L|bf16] [--quiet]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "test/op_cases.h"
#include "cpu/levels.h"
#include "effnet/error.h"

using namespace effnet;

int main(int argc, char** argv) {
  std::string filter, only_level;
  int32_t threads = 0;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--filter" && i + 1 < argc) filter = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--level" && i + 1 < argc) only_level = argv[++i];
    else if (a == "--quiet") quiet = true;
    else {
      std::fprintf(stderr, "usage: effnet_check [--filter SUBSTRING] [--threads N] [--level L|bf16] [--quiet]\n");
      return 2;
    }
  }
  std::vector<std::string> levels;
  if (!only_level.empty()) {
    levels.push_back(only_level);
  } else {
    for (const CpuKernels* k : runnable_levels()) levels.push_back(k->level);
    if (bf16_supported()) levels.push_back("bf16");
  }
  int failed = 0, passed = 0;
  std::printf("%-62s %-18s %11s %11s %9s  %s\n", "case", "kernel", "max_abs", "nmse", "max_ref", "result (seed)");
  try {
    for (const std::string& level : levels) {
      CompileOptions options;
      options.threads = threads;
      if (level == "bf16") options.precision = Precision::bf16;
      else options.cpu_level = level;
      for (const OpCase& c : op_cases()) {
        if (!filter.empty() && c.id.find(filter) == std::string::npos) continue;
        const OpCheck r = check_op_case(c, options);
        r.passed ? ++passed : ++failed;
        if (!quiet || !r.passed) {
          std::printf("%-62s %-18s %11.3e %11.3e %9.3g  %s (seed %llu)\n", c.id.c_str(), r.kernel.c_str(),
                      r.max_abs_diff, r.nmse, r.max_abs_ref, r.passed ? "ok" : "FAIL", (unsigned long long)c.seed);
        }
      }
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "effnet_check: %s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  std::printf("effnet_check: %d passed, %d failed (tolerance: nmse <= %g and max_abs <= %g * max(1, max_ref))\n",
              passed, failed, kOpCaseMaxNmse, kOpCaseMaxAbs);
  return failed == 0 && passed > 0 ? 0 : 1;
}
