// The contract between the core and the CPU kernels.
//
// A CpuKernels table holds, per op, how to pack that op's weights (once, at compile), how much
// scratch a run needs (sized with the arena, so runs never allocate) and the kernel itself, plus
// the level's fused expand + depthwise step (cpu/expand_dw.h) where it has one. A table exists per
// level, built in that level's folder: cpu/reference/kernels.cc, cpu/generic/kernels.cc, and for
// the SIMD levels (avx2, avx512, neon) cpu/<level>/kernels.cc through cpu/simd/kernel_table.h.
// Tables are chosen once, at compile (see cpu/levels.h).
#pragma once
#include <cstdint>

#include "core/aligned_buffer.h"
#include "effnet/plan.h"

namespace effnet {

// An op's weights in the layout its kernel wants. Which buffers mean what is the kernel's business
// (each kernel file documents its layout); `hidden` is se_gate's reduced width Cr, which would
// otherwise be lost when the plan's raw weights are released.
struct PackedWeights {
  AlignedBuffer w, b, w2, b2;
  int32_t hidden = 0;
};

// Weights of the steps after this one, which the kernel prefetches while it runs: byte ranges of
// whole 64-byte lines, in the order they will be read (core/prefetch_plan.h chooses them,
// cpu/simd/ahead.h spreads them over a kernel's tasks).
struct Ahead {
  static constexpr int32_t kMaxSpans = 8;
  const char* p[kMaxSpans] = {};
  int64_t bytes[kMaxSpans] = {};
  int32_t n = 0;
};

// Everything one kernel call sees. Tensors are NHWC with the batch outermost; `in`/`out` are the
// per-image shapes of x and y. gate/residual/sums/map are null when the op does not use them.
struct KernelArgs {
  const OpDesc* op = nullptr;  // k, stride, pad, act, spatial (raw weights may be released)
  ValueDesc in, out;
  const PackedWeights* weights = nullptr;
  const float* x = nullptr;
  float* y = nullptr;
  float* sums = nullptr;
  float* map = nullptr;
  const float* gate = nullptr;
  const float* residual = nullptr;
  int32_t batch = 1;
  int32_t threads = 1;       // at most this many threads (parallel_for's max_threads)
  float* scratch = nullptr;  // scratch_floats(...) floats, 64-byte aligned, contents undefined
  const Ahead* ahead = nullptr;  // null or empty: nothing to prefetch
};

struct OpKernel {
  const char* impl;  // which code runs: "reference", "generic", ...
  // Packs op.weight/bias/weight2/bias2 (already validated) into `out`. Throws std::bad_alloc.
  void (*pack)(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* packed);
  int64_t (*scratch_floats)(const OpDesc& op, const ValueDesc& in, const ValueDesc& out,
                            const PackedWeights& packed, int32_t batch);
  void (*run)(const KernelArgs& args);
  // Whether run() prefetches args.ahead (the SIMD depthwise and GEMM kernels); the model gives
  // upcoming weights only to steps that do (core/prefetch_plan.h).
  bool prefetches = false;
};

// Runs a plan's expand pwconv_bn_act and the dwconv_bn_act reading it as one step (cpu/expand_dw.h).
// pw: the expand op's args (its y is ignored); dw: the dwconv op's args, whose scratch holds
// expand_dw_scratch(...) floats.
using ExpandDwFn = void (*)(const KernelArgs& pw, const KernelArgs& dw);

// A level's arithmetic throughput probe (cpu/simd/fma_probe.h): `burst(iters)` runs iters x chains
// vector steps of its GEMM (an FMA, or a bf16 pair dot) on `lanes` floats each, `flops_per_lane`
// flops per lane (2, or 4 for the pair dot). Null on levels without vectors (generic, reference).
struct FmaProbe {
  float (*burst)(int64_t iters) = nullptr;
  int32_t lanes = 0;
  int32_t chains = 0;
  int32_t flops_per_lane = 2;
};

// The SIMD GEMM's register tile (cpu/simd/gemm.h): rows x vectors of accumulators.
struct GemmTile {
  int32_t rows = 0, vectors = 0;
};

struct CpuKernels {
  const char* level;
  OpKernel ops[kOpKindCount];  // indexed by OpKind
  ExpandDwFn expand_dw;        // null: the level runs the pair as two ops
  FmaProbe fma_probe = {};     // for bench --peak, not for inference
  GemmTile gemm_tile = {};     // {0, 0} for the plain C++ sets
  const OpKernel& operator[](OpKind kind) const { return ops[int32_t(kind)]; }
};

// The ops whose SIMD kernels are the packed GEMM (cpu/simd/gemm.h): the 1x1 convolutions and the
// classifier. Under precision bf16 these are the ops that multiply bf16 values.
inline bool runs_as_gemm(OpKind kind) {
  return kind == OpKind::pwconv_bn_act || kind == OpKind::head_pool || kind == OpKind::linear;
}

// Helpers every level may use for its pack/scratch entries.
void pack_copy(const OpDesc& op, const ValueDesc& in, const ValueDesc& out, PackedWeights* packed);
int64_t no_scratch(const OpDesc&, const ValueDesc&, const ValueDesc&, const PackedWeights&, int32_t);
AlignedBuffer copy_floats(const std::vector<float>& v);

}  // namespace effnet
