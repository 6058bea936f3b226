// CPU kernel levels and how one is chosen.
//
// Levels, lowest first: "reference" (the oracle, KernelSet::reference), "generic" (portable C++,
// auto-vectorised; "scalar" is accepted as its other name: DESIGN.md's "scalar fallback"), then
// "avx2" and "avx512". A SIMD level overrides the ops it has its own kernel for and inherits the
// rest from generic; today it has none of its own yet, so auto-selection (KernelSet::fast with no
// override) skips levels without own kernels and resolves to "generic". Forcing "avx2"/"avx512"
// works when the CPU supports it (and runs the inherited kernels; OpKernel::impl says which).
//
// Choice, at compile: KernelSet::reference -> reference; else CompileOptions::cpu_level if set,
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

const CpuKernels& select_kernels(KernelSet set, const std::string& cpu_level);

// The fast levels this CPU can run, lowest first (e.g. generic, avx2, avx512): effnet_check runs
// every one of them against the reference.
std::vector<const CpuKernels*> runnable_levels();

// What KernelSet::fast resolves to with no override.
const CpuKernels& auto_kernels();

// {"avx2", "fma", "avx512f", ...}: the features the kernel levels care about that this CPU has.
std::vector<std::string> cpu_features();

}  // namespace effnet
