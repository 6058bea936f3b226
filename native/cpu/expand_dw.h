// The fused expand + depthwise execution strategy of the CPU backend (plain C++ side).
//
// An MBConv block's   x -> pwconv_bn_act (expand 1x1, swish) -> e -> dwconv_bn_act (+ SE sums) -> y
// writes e (6x the block's input: 13 MB for B3's 150x150x144) and reads it back. When e is read by
// that dwconv only, CpuModel runs the two plan ops as one step instead (the plan, its op names and
// the other backends are unchanged): each task owns a band of y's rows and computes just the rows
// of e its next output row needs, with the same packed GEMM, into a ring of a few rows in L2, then
// runs the depthwise row from there. e is never written whole; rows a band's window shares with
// the band above are computed twice (k - s rows per band; bands are few: see expand_dw_chunks).
//
// Numbers: each element of e and y is computed exactly as by the two ops (same micro-kernels, same
// K order). The SE sums are kept per output row and added in row order, so they are bit-identical
// for any thread count (but rounded in another order than the unfused dw's bands: within fp32
// tolerance of it and of the reference, not bitwise equal to the unfused pair).
#pragma once
#include <cstdint>

#include "cpu/kernel_api.h"

namespace effnet {

// The fused kernel itself is a slot of each level's table (CpuKernels::expand_dw): the SIMD
// levels instantiate cpu/simd/expand_dw.h; reference and generic have none.

// Whether fusing pays for this dwconv input (e per image). Small pairs come out even (e still stays
// in L3 between the two ops and the halo rows eat the rest; measured: bench/RESULTS.md,
// "Measurements behind native constants"). So only e of 4 MiB and more (B0's 112x112x96, B3's 150x150 and 75x75 expands, and the larger variants' early
// blocks), where e competes for L3 with everything else, and more so under load from other
// processes.
bool expand_dw_worth_it(const ValueDesc& expanded);

// Rows of e kept per thread (at least k + s, so the window of the next output row always fits).
int64_t expand_dw_ring_rows(int64_t k, int64_t s, int64_t row_floats);
// Output-row bands per image: as few as keep the threads busy (each band recomputes k - s rows).
int64_t expand_dw_chunks(int64_t out_rows, int32_t batch, int32_t threads);
// Scratch: per-(image, output row) SE partials [batch][Ho][Cpad], then per pool thread its area
// (thread_floats apart): its ring, and at tile_offset from the ring the expand GEMM's A tile (K =
// the expand's Cin, at most expanded.c; used when that level's GEMM prepares its A rows, as bf16
// does: cpu/simd/gemm.h). Where the tile sits modulo 4 KiB matters (cpu/expand_dw.cc says why).
int64_t expand_dw_partials_floats(const OpDesc& dw, const ValueDesc& out, int32_t batch);
int64_t expand_dw_ring_floats(const OpDesc& dw, const ValueDesc& expanded);
int64_t expand_dw_tile_offset(const OpDesc& dw, const ValueDesc& expanded);
int64_t expand_dw_thread_floats(const OpDesc& dw, const ValueDesc& expanded);
int64_t expand_dw_scratch(const OpDesc& dw, const ValueDesc& expanded, const ValueDesc& out, int32_t batch);

}  // namespace effnet
