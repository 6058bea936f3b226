// Everything a SIMD level's translation unit (cpu/<level>/kernels.cc) includes BEFORE its target
// region: the non-vector headers, so that no inline function shared with the rest of the addon is
// compiled with the level's target (cpu/simd/simd_target.h explains the ODR trap).
#pragma once
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <cstdint>
#include <cstring>

#include "core/thread_pool.h"
#include "cpu/expand_dw.h"
#include "cpu/kernel_api.h"
#include "cpu/levels.h"
#include "cpu/simd/packing.h"
#include "cpu/simd/simd_target.h"
#include "cpu/simd/tiling.h"
