// How the SIMD levels are built without -march (compiling the whole addon with -march would
// break older CPUs, so the level is chosen at run time).
//
// Each kernel body in cpu/simd/<op>.h is written ONCE as a template over a vector type V
// (cpu/simd/vec_avx2.h, cpu/simd/vec_avx512.h). A level is one translation unit,
// cpu/<level>/kernels.cc, that includes every non-SIMD header first, then opens
//   #pragma GCC push_options / #pragma GCC target("...")
// includes the vector type and the op templates, and closes the pragma. Functions *defined* in the
// region (templates included) get that target; templates defined before it (std::, core/) keep the
// default target, so no inline function shared with the rest of the addon is ever compiled with
// AVX-512 (which would be an ODR trap: the linker may keep either copy). Everything defined in
// cpu/simd/<op>.h is therefore a template on V, so the avx2 and avx512 copies are different
// symbols. The level's kernel table is built after the region, from the instantiations' addresses,
// and is only reached once cpuid said the CPU has the features (cpu/levels.cc).
#pragma once

// Every vector helper must inline into its caller, which has the same target.
#define EFFNET_SIMD_INLINE inline __attribute__((always_inline))
#define EFFNET_SIMD_LAMBDA_INLINE __attribute__((always_inline))
