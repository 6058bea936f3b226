// Weight packing for the SIMD levels, done once at compile (plain C++, no vector code).
//
// GEMM (pwconv_bn_act, head_pool, linear): the [Cout, Cin] weight cut into panels of `w` output
// channels (w = the level's vector width), stored [panel][Cin][w], zero past Cout; bias padded to
// whole panels. A micro-tile of NV vectors reads NV consecutive panels (NV streams of w floats per
// input channel), so any Cout, even or odd in panels, runs the same kernel.
// dwconv_bn_act: w [k*k][Cpad], bias [Cpad]. conv_bn_act: w [k*k][Cin][Copad], bias [Copad].
// se_gate: W1 [Cr][Cpad], b1 [Crpad], W2^T [Cr][Cpad], b2 [Cpad]. Pads (kChannelPad) are zero,
// so every weight read is a whole vector and padded lanes compute zeros.
#pragma once
#include "cpu/kernel_api.h"

namespace effnet {
namespace simd {

void pack_gemm_panels(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, int64_t w, PackedWeights* p);
template <int W>
void pack_gemm(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p) {
  pack_gemm_panels(op, in, out, W, p);
}
// The bf16 level's GEMM weights (cpu/simd/gemm_bf16.h): panels of `w` output channels stored
// [panel][ceil(Cin/2)][w][2] as bf16 (core/bf16.h rounding), zero past Cin and Cout; bias fp32 as above.
void pack_gemm_bf16_panels(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, int64_t w, PackedWeights* p);
template <int W>
void pack_gemm_bf16(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p) {
  pack_gemm_bf16_panels(op, in, out, W, p);
}
void pack_dwconv_bn_act(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p);
void pack_conv_bn_act(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p);
void pack_se_gate(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* p);

}  // namespace simd
}  // namespace effnet
