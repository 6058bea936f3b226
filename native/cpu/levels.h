// CPU kernel levels and how one is chosen.
//
// Levels, lowest first: "reference" (the oracle, KernelSet::reference), "generic" (portable C++,
// auto-vectorised; "scalar" is accepted as its other name, for the portable fallback), then
// "avx2" (AVX2 + FMA) and "avx512" (AVX-512 F/BW/VL/DQ) on x86, "neon" on aarch64 (part of the
// base ISA there, so always runnable). Every SIMD level has its own kernel for every op
// (cpu/simd/<op>.h, written once over a vector type and instantiated per level in
// cpu/<level>/kernels.cc, which compiles to nothing on the other architecture); auto-selection
// picks the highest level the CPU runs. "avx512-8x2" and "avx512-8x3" are the avx512 level with
// its GEMM register tile pinned (8 rows x 2 or 3 vectors) instead of chosen for the CPU: for
// benchmarks, and so that the op table checks both tiles on any AVX-512 machine. Auto-selection
// never picks them.
//
// Choice, at compile (precision fp32; bf16 see select_kernels): KernelSet::reference -> reference; else CompileOptions::cpu_level if set,
// else the EFFICIENTNET_CPU environment variable if set, else auto. An unknown level, or one this
// CPU lacks, throws Error(kErrInvalidOption) naming the accepted values.
#pragma once
#include <string>
#include <vector>

#include "cpu/kernel_api.h"
#include "effnet/model.h"

namespace effnet {

const CpuKernels& reference_kernels();
const CpuKernels& generic_kernels();
const CpuKernels& avx2_kernels();    // only call when the CPU has avx2 + fma
const CpuKernels& avx512_kernels();  // only call when the CPU has avx512f/bw/vl/dq
// The avx512 level with its GEMM register tile pinned (levels "avx512-8x2", "avx512-8x3");
// "avx512" is one of the two, chosen for this CPU (cpu/avx512/kernels.cc).
const CpuKernels& avx512_gemm_8x2_kernels();
const CpuKernels& avx512_gemm_8x3_kernels();
const CpuKernels& neon_kernels();    // defined on aarch64 only
// The avx512 level with bf16 1x1 convolutions (precision 'bf16'); only call when bf16_supported().
const CpuKernels& avx512_bf16_kernels();

// Whether this CPU runs the bf16 kernels: the avx512 level's features plus AVX512_BF16.
bool bf16_supported();

// precision fp32: the level as below. bf16: the avx512-bf16 table (a named level other than avx512,
// the reference set, or a CPU without AVX512_BF16 throw kErrInvalidOption). fp16: throws (CUDA only).
const CpuKernels& select_kernels(KernelSet set, const std::string& cpu_level, Precision precision = Precision::fp32);

// The fast levels this CPU can run, lowest first (e.g. generic, avx2, avx512): effnet_check runs
// every one of them against the reference.
std::vector<const CpuKernels*> runnable_levels();

// The fast levels this binary has kernels for, whatever this CPU runs (e.g. generic, avx2, avx512
// on x86-64; generic, neon on aarch64).
std::vector<std::string> compiled_levels();

// What KernelSet::fast resolves to with no override.
const CpuKernels& auto_kernels();

// {"avx2", "fma", "avx512f", ...} or {"neon"}: the features the kernel levels care about that this CPU has.
std::vector<std::string> cpu_features();

}  // namespace effnet
