// The plan: what the TypeScript layer hands the core. A flat list of fused ops over numbered
// values (activations). Shapes are per image, NHWC; the batch size is chosen when a session runs.
// Weights arrive BN-folded in canonical torch layouts; the backend packs them once at compile.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace effnet {

// One name per op, used in TS, C++, CUDA, tests and benches (docs/ARCHITECTURE.md, "The ops").
enum class OpKind : int32_t {
  conv_bn_act = 0,    // dense kxk conv (stem): x[H,W,Cin] -> y[Ho,Wo,Cout]; weight OIHW [Cout,Cin,k,k]
  dwconv_bn_act = 1,  // depthwise kxk: x[H,W,C] -> y[Ho,Wo,C] (+ sums[C] = sum over Ho*Wo of y); weight [C,k,k]
  se_gate = 2,        // sums[C] -> gate[C] = sigmoid(W2 swish(W1 (sums/spatial) + b1) + b2)
  pwconv_bn_act = 3,  // 1x1 conv: y = act((x * gate[cin]) W^T + b) (+ residual); weight [Cout,Cin]
  head_pool = 4,      // y[Cout] = mean over HW of swish(x W^T + b) (+ map[H,W,Cout] when asked); weight [Cout,Cin]
  linear = 5,         // y[Cout] = x[Cin] W^T + b; weight [Cout,Cin]
};
inline constexpr int kOpKindCount = 6;
const char* op_name(OpKind kind);            // "conv_bn_act", ...
bool op_from_name(const std::string& name, OpKind* out);

enum class Act : int32_t { none = 0, swish = 1 };

// Per-image shape of a value. Vectors (sums, gates, pooled features, logits) are {1, 1, C}.
struct ValueDesc {
  int32_t h = 1, w = 1, c = 1;
  int64_t size() const { return int64_t(h) * w * c; }
};

struct OpDesc {
  OpKind kind = OpKind::linear;
  // Value slots. -1 = absent. Which ones an op uses is listed in the OpKind comments above.
  int32_t x = -1;         // main input
  int32_t y = -1;         // main output
  int32_t sums = -1;      // dwconv_bn_act: optional per-channel sums output (feeds se_gate)
  int32_t map = -1;       // head_pool: optional full head feature map output (CAM, features)
  int32_t gate = -1;      // pwconv_bn_act: optional per-(image, input channel) scale
  int32_t residual = -1;  // pwconv_bn_act: optional residual added after the activation
  int32_t k = 1, stride = 1;
  std::array<int32_t, 4> pad{0, 0, 0, 0};  // top, left, bottom, right (TF SAME is asymmetric)
  Act act = Act::none;
  int32_t spatial = 0;  // se_gate: the H*W the sums were taken over (divisor of the mean)
  // se_gate: weight = reduce [Cr,C], bias = [Cr], weight2 = expand [C,Cr], bias2 = [C].
  std::vector<float> weight, bias, weight2, bias2;
};

struct Plan {
  std::vector<ValueDesc> values;
  std::vector<OpDesc> ops;
  int32_t input = 0;             // value id of the network input [H,W,3]
  std::vector<int32_t> outputs;  // value ids copied out by run(), in this order
};

// Checks every invariant the kernels rely on (ids in range, each value written once before it is
// read, shapes consistent with k/stride/pad, weight sizes). Throws Error(kErrPlanInvalid) naming
// the op index and what is wrong. Kernels may then trust the plan.
void validate_plan(const Plan& plan);

// A binary, versioned, self-checking file format for plans (for native/tools, no Node needed).
void save_plan(const Plan& plan, const std::string& path);
Plan load_plan(const std::string& path);  // throws Error(kErrPlanFile) on anything malformed

}  // namespace effnet
