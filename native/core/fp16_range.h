// Can fp16 hold a plan's weights? The fp16 CUDA backend stores the 1x1-conv weights (pwconv_bn_act
// and head_pool, BN already folded in) as fp16; everything else stays fp32. Checked at load, before
// any CUDA call, so a model that fp16 would silently break is refused on every machine, GPU or not.
//
// The rules (IEEE binary16, round to nearest even):
//  * |w| > 65504 (the largest finite fp16) is refused: it would become 65504 or inf. Folding BN
//    (gamma / sqrt(var + eps)) can make such weights out of a tiny running variance.
//  * Subnormals are kept (the conversion is gradual: 2^-24 steps below 2^-14), and weights under
//    2^-25 round to 0. Either way the absolute error of one weight is at most 2^-25 = 2^-11 * 2^-14:
//    harmless while the output channel's largest |w| is at least 2^-14 (the smallest normal fp16),
//    since the error then stays within fp16's own 2^-11 relative rounding of that channel. A channel
//    (weight row) whose largest |w| is non-zero but under 2^-14 would lose its precision (or vanish)
//    and is refused. A row that is all zeros is exact and fine.
// Both refusals are Error(kErrInvalidOption) naming the op, its kind and the weight's index and value;
// fp32 runs such a model exactly.
#pragma once
#include "effnet/plan.h"

namespace effnet {

inline constexpr float kFp16Max = 65504.0f;
inline constexpr float kFp16MinNormal = 6.103515625e-05f;  // 2^-14

// Throws Error(kErrInvalidOption) when a weight the fp16 backend stores as fp16 cannot be held (see
// above). The plan must be valid (validate_plan).
void check_fp16_weights(const Plan& plan);

}  // namespace effnet
