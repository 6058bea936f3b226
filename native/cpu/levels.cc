#include "cpu/levels.h"

#include <cstdlib>

#include "effnet/error.h"

namespace effnet {
namespace {

bool cpu_has(const char* feature) {
#if defined(__x86_64__) || defined(__i386__)
  const std::string f = feature;
  if (f == "avx2") return __builtin_cpu_supports("avx2");
  if (f == "fma") return __builtin_cpu_supports("fma");
  if (f == "avx512f") return __builtin_cpu_supports("avx512f");
  if (f == "avx512bw") return __builtin_cpu_supports("avx512bw");
  if (f == "avx512vl") return __builtin_cpu_supports("avx512vl");
  if (f == "avx512dq") return __builtin_cpu_supports("avx512dq");
  if (f == "avx512bf16") return __builtin_cpu_supports("avx512bf16");
#elif defined(__aarch64__)
  // Advanced SIMD is mandatory in AArch64 (the compiler already assumes it), so no HWCAP query.
  if (std::string(feature) == "neon") return true;
#else
  (void)feature;
#endif
  return false;
}

struct Level {
  const char* name;
  std::vector<const char*> needs;  // CPU features
  const CpuKernels* (*kernels)();  // called only once the features are known to be there
};

// Every level is listed on every architecture, so asking for another architecture's level says
// which features this CPU lacks rather than that the name is unknown. A level not compiled for this
// architecture has no kernels (its features are never present either).
#if defined(__x86_64__) || defined(__i386__)
#define EFFNET_X86_LEVEL(fn) [] { return &fn(); }
#else
#define EFFNET_X86_LEVEL(fn) nullptr
#endif
#if defined(__aarch64__)
#define EFFNET_ARM64_LEVEL(fn) [] { return &fn(); }
#else
#define EFFNET_ARM64_LEVEL(fn) nullptr
#endif

// Lowest first within an architecture; only one architecture's levels are ever supported. The
// pinned-tile avx512 tables come before avx512 so that auto-selection (the last supported) and
// the peak probe (the widest runnable) land on avx512 itself.
const std::vector<Level>& levels() {
  // The avx512 level's features, one list for its three tables (the tile chosen or pinned).
  const std::vector<const char*> kAvx512Features = {"avx512f", "avx512bw", "avx512vl", "avx512dq", "fma"};
  static const std::vector<Level> table = {
      {"generic", {}, [] { return &generic_kernels(); }},
      {"avx2", {"avx2", "fma"}, EFFNET_X86_LEVEL(avx2_kernels)},
      {"avx512-8x2", kAvx512Features, EFFNET_X86_LEVEL(avx512_gemm_8x2_kernels)},
      {"avx512-8x3", kAvx512Features, EFFNET_X86_LEVEL(avx512_gemm_8x3_kernels)},
      {"avx512", kAvx512Features, EFFNET_X86_LEVEL(avx512_kernels)},
      {"neon", {"neon"}, EFFNET_ARM64_LEVEL(neon_kernels)},
  };
  return table;
}

#undef EFFNET_X86_LEVEL
#undef EFFNET_ARM64_LEVEL

bool supported(const Level& l) {
  if (l.kernels == nullptr) return false;
  for (const char* f : l.needs) {
    if (!cpu_has(f)) return false;
  }
  return true;
}

const CpuKernels& by_name(const std::string& name, const char* source) {
  if (name == "reference") return reference_kernels();
  const std::string want = name == "scalar" ? "generic" : name;
  for (const Level& l : levels()) {
    if (want != l.name) continue;
    if (!supported(l)) {
      std::string needs;
      for (const char* f : l.needs) needs += std::string(needs.empty() ? "" : ", ") + f;
      throw Error(kErrInvalidOption, std::string(source) + " asks for CPU kernels \"" + name +
                                    "\", but this CPU lacks " + needs);
    }
    return *l.kernels();
  }
  // The list of names comes from the table, so it cannot go stale when a level is added.
  std::string known = "scalar";
  for (const Level& l : levels()) known += std::string(", ") + l.name;
  throw Error(kErrInvalidOption, std::string(source) + " = \"" + name + "\" is not a CPU kernel level (expected " +
                                known + " or reference)");
}

}  // namespace

const CpuKernels& auto_kernels() {
  const CpuKernels* best = &generic_kernels();
  for (const Level& l : levels()) {
    if (supported(l)) best = l.kernels();
  }
  return *best;
}

namespace {

// bf16 has one table, the avx512 level's with bf16 GEMMs, so a level asked for by name must be
// that one; the reference kernels are the fp32 oracle and have no bf16 form.
const CpuKernels& bf16_kernels(KernelSet set, const std::string& level, const char* source) {
  if (set == KernelSet::reference) {
    throw Error(kErrInvalidOption, "precision 'bf16' has no reference kernels (they are the fp32 oracle); use kernels 'fast'");
  }
  if (!level.empty() && level != "avx512") {
    throw Error(kErrInvalidOption, std::string("precision 'bf16' runs on the avx512 level, but ") + source + " asks for \"" +
                                  level + "\"");
  }
#if defined(__x86_64__) || defined(__i386__)
  if (bf16_supported()) return avx512_bf16_kernels();
#endif
  throw Error(kErrInvalidOption,
              "precision 'bf16' needs a CPU with AVX-512 and AVX512_BF16 (AMD Zen 4 or later, Intel Cooper Lake, "
              "Sapphire Rapids or later); this CPU lacks it, so use 'fp32'");
}

}  // namespace

bool bf16_supported() {
#if defined(__x86_64__) || defined(__i386__)
  for (const Level& l : levels()) {
    if (std::string(l.name) == "avx512") return supported(l) && cpu_has("avx512bf16");
  }
#endif
  return false;
}

const CpuKernels& select_kernels(KernelSet set, const std::string& cpu_level, Precision precision) {
  const char* env = std::getenv("EFFICIENTNET_CPU");
  const bool from_env = cpu_level.empty() && env != nullptr && env[0] != '\0';
  const std::string level = from_env ? std::string(env) : cpu_level;
  const char* source = from_env ? "EFFICIENTNET_CPU" : "CompileOptions.cpu_level";
  if (precision == Precision::fp16) {
    throw Error(kErrInvalidOption, "precision 'fp16' needs device 'cuda'; the CPU kernels compute in fp32 or bf16");
  }
  if (precision == Precision::bf16) return bf16_kernels(set, level, source);
  if (set == KernelSet::reference) return reference_kernels();
  if (!level.empty()) return by_name(level, source);
  return auto_kernels();
}

std::vector<const CpuKernels*> runnable_levels() {
  std::vector<const CpuKernels*> out;
  for (const Level& l : levels()) {
    if (supported(l)) out.push_back(l.kernels());
  }
  return out;
}

std::vector<std::string> compiled_levels() {
  std::vector<std::string> out;
  for (const Level& l : levels()) {
    if (l.kernels != nullptr) out.push_back(l.name);
  }
  return out;
}

std::vector<std::string> cpu_features() {
  std::vector<std::string> out;
  for (const char* f : {"avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512bf16", "neon"}) {
    if (cpu_has(f)) out.push_back(f);
  }
  return out;
}

}  // namespace effnet
