// Can fp16 hold a plan's weights? The fp16 CUDA backend stores the 1x1-conv weights (pwconv_bn_act
// and head_pool, BN already folded in) as fp16; everything else stays fp32. Checked at load, before
// any CUDA call, so a model that fp16 would silently break is refused on every machine, GPU or not.
//
// The rules (IEEE binary16, round to nearest even):
//  * |w| > 65504 (the largest finite fp16), inf or NaN is refused with Error(kErrInvalidOption)
//    naming the op, its kind and the weight's index and value: it would become 65504 or inf.
//    Folding BN (gamma / sqrt(var + eps)) makes such weights out of a tiny running variance.
//  * Small weights are accepted. Subnormals are kept (gradual underflow: steps of 2^-24 below
//    2^-14) and weights under 2^-25 round to 0, so any weight is off by at most 2^-25 in absolute
//    terms, and an output channel's pre-activation by at most 2^-25 * sum |x| (the bias stays
//    fp32). That is below fp16's own rounding of any channel with a normal-sized weight, and a
//    channel whose weights are all that small contributes next to nothing in fp32 either:
//    trained networks have such near-dead channels (BN gamma ~ 0), and refusing them would refuse
//    real checkpoints for no accuracy gain.
// fp32 runs every finite weight exactly.
#pragma once
#include "effnet/model.h"
#include "effnet/plan.h"

namespace effnet {

inline constexpr float kFp16Max = 65504.0f;

// Throws Error(kErrInvalidOption) when a weight the fp16 backend stores as fp16 cannot be held (see
// above). The plan must be valid (validate_plan).
void check_fp16_weights(const Plan& plan);

// The same for precision 'bf16' on the CPU, whose 1x1 ops (pwconv_bn_act, head_pool, linear) hold
// their weights as bf16 (core/bf16.h): bf16 has fp32's exponent range, so only a weight that rounds
// past bf16's largest finite value (|w| >= 3.3961776e38, where fp32 itself ends at 3.4028235e38)
// is refused. Tiny weights flush to zero below 2^-126, an absolute error under 1.2e-38.
void check_bf16_weights(const Plan& plan);

// The CUDA backend's load-time precision checks, the same with or without a GPU: bf16 (a CPU
// precision) throws Error(kErrInvalidOption); fp16 runs check_fp16_weights.
void check_cuda_precision(const Plan& plan, Precision precision);

}  // namespace effnet
