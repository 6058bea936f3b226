// Op names and plan validation: every invariant the kernels rely on is checked here, once, so the
// kernels can trust shapes, ids and weight sizes without re-checking (see plan.h).
#include <cmath>
#include <sstream>
#include <string>

#include "core/plan_check.h"
#include "cpu/kernel_math.h"
#include "effnet/error.h"

namespace effnet {
namespace {

constexpr const char* kOpNames[kOpKindCount] = {"conv_bn_act", "dwconv_bn_act", "se_gate",
                                                "pwconv_bn_act", "head_pool", "linear"};

std::string shape_str(const ValueDesc& v) {
  return "[" + std::to_string(v.h) + "," + std::to_string(v.w) + "," + std::to_string(v.c) + "]";
}

// Collects the checks of one op; fail() throws with the op's index and name in front.
class OpChecker {
 public:
  OpChecker(const Plan& plan, size_t index) : plan_(plan), op_(plan.ops[index]), index_(index) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(kErrPlanInvalid, "op " + std::to_string(index_) + " (" + op_name(op_.kind) + "): " + what);
  }
  void require(bool ok, const std::string& what) const {
    if (!ok) fail(what);
  }
  const ValueDesc& value(int32_t id) const { return plan_.values[size_t(id)]; }

  void require_slot(const char* slot, int32_t id, bool used) const {
    if (used) {
      require(id >= 0, std::string(slot) + " is required but absent (-1)");
    } else {
      require(id == -1, std::string(slot) + " = " + std::to_string(id) + " is not used by this op and must be -1");
    }
  }
  void require_vector(const char* slot, int32_t id, int64_t c) const {
    const ValueDesc& v = value(id);
    require(v.h == 1 && v.w == 1 && v.c == c, std::string(slot) + " (value " + std::to_string(id) + ") has shape " +
                                                  shape_str(v) + ", expected [1,1," + std::to_string(c) + "]");
  }
  void require_floats(const char* what, const std::vector<float>& v, int64_t expected, const std::string& formula) const {
    require(int64_t(v.size()) == expected, std::string(what) + " has " + std::to_string(v.size()) +
                                               " floats, expected " + formula + " = " + std::to_string(expected));
  }
  void require_no_window() const {
    require(op_.k == 1 && op_.stride == 1 && op_.pad == std::array<int32_t, 4>{0, 0, 0, 0},
            "k/stride/pad must keep their defaults (1, 1, [0,0,0,0]): this op has no spatial window");
  }
  void require_no_spatial() const {
    require(op_.spatial == 0, "spatial = " + std::to_string(op_.spatial) + " is only for se_gate and must be 0");
  }
  void require_no_second_weights() const {
    require(op_.weight2.empty() && op_.bias2.empty(), "weight2/bias2 are only for se_gate and must be empty");
  }
  void require_act_none(const char* why) const {
    require(op_.act == Act::none, std::string("act must be none: ") + why);
  }
  void require_act_valid() const {
    require(op_.act == Act::none || op_.act == Act::swish,
            "act = " + std::to_string(int32_t(op_.act)) + " is not an activation (0 none, 1 swish)");
  }

  // k odd 1..15, stride 1|2, 0 <= pad < k; then y's spatial size must follow from them.
  void require_window(const ValueDesc& x, const ValueDesc& y) const {
    const int32_t k = op_.k;
    require(k >= 1 && k <= kMaxKernel && k % 2 == 1, "k = " + std::to_string(k) + " must be odd, 1 to 15");
    require(op_.stride == 1 || op_.stride == 2, "stride = " + std::to_string(op_.stride) + " must be 1 or 2");
    for (int i = 0; i < 4; ++i) {
      require(op_.pad[i] >= 0 && op_.pad[i] < k, "pad[" + std::to_string(i) + "] = " + std::to_string(op_.pad[i]) +
                                                      " must be >= 0 and < k = " + std::to_string(k));
    }
    const int64_t ho = conv_out_size(x.h, k, op_.stride, op_.pad[0], op_.pad[2]);
    const int64_t wo = conv_out_size(x.w, k, op_.stride, op_.pad[1], op_.pad[3]);
    require(ho >= 1 && wo >= 1, "input " + shape_str(x) + " padded is smaller than k = " + std::to_string(k));
    require(y.h == ho && y.w == wo,
            "y " + shape_str(y) + " does not match the window: Ho = (H + pad_t + pad_b - k) / stride + 1 = (" +
                std::to_string(x.h) + " + " + std::to_string(op_.pad[0]) + " + " + std::to_string(op_.pad[2]) +
                " - " + std::to_string(k) + ") / " + std::to_string(op_.stride) + " + 1 = " + std::to_string(ho) +
                ", Wo = " + std::to_string(wo));
  }

 private:
  const Plan& plan_;
  const OpDesc& op_;
  size_t index_;
};

// The shape and weight checks of one op, by kind. Slots are known to be in range here.
void check_op_shapes(const Plan& plan, size_t i, const std::vector<int32_t>& writer) {
  const OpDesc& op = plan.ops[i];
  OpChecker c(plan, i);
  const ValueDesc& x = c.value(op.x);
  const ValueDesc& y = c.value(op.y);
  switch (op.kind) {
    case OpKind::conv_bn_act: {
      c.require_window(x, y);
      c.require_act_valid();
      c.require_no_spatial();
      c.require_no_second_weights();
      const int64_t k2 = int64_t(op.k) * op.k;
      c.require_floats("weight", op.weight, int64_t(y.c) * x.c * k2, "Cout*Cin*k*k");
      c.require_floats("bias", op.bias, y.c, "Cout");
      break;
    }
    case OpKind::dwconv_bn_act: {
      c.require_window(x, y);
      c.require_act_valid();
      c.require_no_spatial();
      c.require_no_second_weights();
      c.require(x.c == y.c, "depthwise: x " + shape_str(x) + " and y " + shape_str(y) + " must have the same channels");
      c.require_floats("weight", op.weight, int64_t(x.c) * op.k * op.k, "C*k*k");
      c.require_floats("bias", op.bias, x.c, "C");
      if (op.sums >= 0) c.require_vector("sums", op.sums, x.c);
      break;
    }
    case OpKind::se_gate: {
      c.require_no_window();
      c.require_act_none("se_gate's activations are fixed (swish, then sigmoid)");
      const int64_t ch = x.c;
      c.require_vector("x (sums)", op.x, ch);
      c.require_vector("y (gate)", op.y, ch);
      c.require(!op.weight.empty() && int64_t(op.weight.size()) % ch == 0,
                "weight (reduce) has " + std::to_string(op.weight.size()) + " floats, expected Cr*C with C = " +
                    std::to_string(ch) + " and Cr >= 1");
      const int64_t cr = int64_t(op.weight.size()) / ch;
      c.require(cr <= kMaxChannels, "reduced width Cr = " + std::to_string(cr) + " is over 65536");
      c.require_floats("bias (reduce)", op.bias, cr, "Cr");
      c.require_floats("weight2 (expand)", op.weight2, ch * cr, "C*Cr");
      c.require_floats("bias2 (expand)", op.bias2, ch, "C");
      c.require(op.spatial > 0, "spatial = " + std::to_string(op.spatial) + " must be > 0 (the H*W of the summed map)");
      const int32_t w = writer[size_t(op.x)];
      if (w >= 0) {  // produced in the plan (not fed by the op-case harness): must be a dw's sums
        const OpDesc& dw = plan.ops[size_t(w)];
        c.require(dw.kind == OpKind::dwconv_bn_act && dw.sums == op.x,
                  "x (value " + std::to_string(op.x) + ") must be the sums of a dwconv_bn_act, but op " +
                      std::to_string(w) + " (" + op_name(dw.kind) + ") writes it");
        const ValueDesc& map = c.value(dw.y);
        c.require(int64_t(op.spatial) == int64_t(map.h) * map.w,
                  "spatial = " + std::to_string(op.spatial) + " but the sums of op " + std::to_string(w) +
                      " are taken over " + std::to_string(map.h) + "*" + std::to_string(map.w) + " = " +
                      std::to_string(int64_t(map.h) * map.w) + " positions");
      }
      break;
    }
    case OpKind::pwconv_bn_act: {
      c.require_no_window();
      c.require_act_valid();
      c.require_no_spatial();
      c.require_no_second_weights();
      c.require(x.h == y.h && x.w == y.w, "1x1 conv: x " + shape_str(x) + " and y " + shape_str(y) + " must have the same H, W");
      c.require_floats("weight", op.weight, int64_t(y.c) * x.c, "Cout*Cin");
      c.require_floats("bias", op.bias, y.c, "Cout");
      if (op.gate >= 0) c.require_vector("gate", op.gate, x.c);
      if (op.residual >= 0) {
        const ValueDesc& r = c.value(op.residual);
        c.require(r.h == y.h && r.w == y.w && r.c == y.c,
                  "residual " + shape_str(r) + " must have the shape of y " + shape_str(y));
      }
      break;
    }
    case OpKind::head_pool: {
      c.require_no_window();
      // act: swish is always applied (it is part of the op); none is accepted as the unset default.
      c.require_act_valid();
      c.require_no_spatial();
      c.require_no_second_weights();
      const int64_t cout = y.c;
      c.require_vector("y (pooled)", op.y, cout);
      c.require_floats("weight", op.weight, cout * x.c, "Cout*Cin");
      c.require_floats("bias", op.bias, cout, "Cout");
      if (op.map >= 0) {
        const ValueDesc& m = c.value(op.map);
        c.require(m.h == x.h && m.w == x.w && m.c == cout,
                  "map " + shape_str(m) + " must be [" + std::to_string(x.h) + "," + std::to_string(x.w) + "," +
                      std::to_string(cout) + "]");
      }
      break;
    }
    case OpKind::linear: {
      c.require_no_window();
      c.require_act_none("linear has no activation");
      c.require_no_spatial();
      c.require_no_second_weights();
      c.require_vector("x", op.x, x.c);
      c.require_vector("y", op.y, y.c);
      c.require_floats("weight", op.weight, int64_t(y.c) * x.c, "Cout*Cin");
      c.require_floats("bias", op.bias, y.c, "Cout");
      break;
    }
  }
}

}  // namespace

const char* op_name(OpKind kind) {
  const int32_t i = int32_t(kind);
  return i >= 0 && i < kOpKindCount ? kOpNames[i] : "unknown_op";
}

bool op_from_name(const std::string& name, OpKind* out) {
  for (int32_t i = 0; i < kOpKindCount; ++i) {
    if (name == kOpNames[i]) {
      if (out != nullptr) *out = OpKind(i);
      return true;
    }
  }
  return false;
}

void validate_plan_with_inputs(const Plan& plan, const std::vector<int32_t>& external) {
  auto fail = [](const std::string& what) { throw Error(kErrPlanInvalid, what); };
  const int64_t n_values = int64_t(plan.values.size());
  if (n_values < 1 || n_values > kMaxValues) fail("plan has " + std::to_string(n_values) + " values, expected 1 to 65536");
  if (plan.ops.empty() || int64_t(plan.ops.size()) > kMaxOps) {
    fail("plan has " + std::to_string(plan.ops.size()) + " ops, expected 1 to 65536");
  }
  for (int64_t v = 0; v < n_values; ++v) {
    const ValueDesc& d = plan.values[size_t(v)];
    if (d.h < 1 || d.h > kMaxSpatial || d.w < 1 || d.w > kMaxSpatial || d.c < 1 || d.c > kMaxChannels ||
        d.size() > kMaxValueElements) {
      fail("value " + std::to_string(v) + " has shape " + shape_str(d) +
           ": h and w must be 1 to 16384, c 1 to 65536, h*w*c at most 2^31");
    }
  }
  auto in_range = [&](int32_t id) { return id >= 0 && id < n_values; };
  if (!in_range(plan.input)) fail("input = " + std::to_string(plan.input) + " is not a value id");
  if (plan.outputs.empty()) fail("plan has no outputs");

  // writer[v]: the op writing v; -2 = not written yet; -1 = fed from outside (the input).
  std::vector<int32_t> writer(size_t(n_values), -2);
  writer[size_t(plan.input)] = -1;
  for (int32_t id : external) {
    if (!in_range(id)) fail("external input " + std::to_string(id) + " is not a value id");
    writer[size_t(id)] = -1;
  }
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    const OpDesc& op = plan.ops[i];
    OpChecker c(plan, i);
    c.require(int32_t(op.kind) >= 0 && int32_t(op.kind) < kOpKindCount,
              "kind " + std::to_string(int32_t(op.kind)) + " is not an op");
    const bool dw = op.kind == OpKind::dwconv_bn_act;
    const bool pw = op.kind == OpKind::pwconv_bn_act;
    c.require_slot("x", op.x, true);
    c.require_slot("y", op.y, true);
    if (!dw) c.require_slot("sums", op.sums, false);
    if (op.kind != OpKind::head_pool) c.require_slot("map", op.map, false);
    if (!pw) c.require_slot("gate", op.gate, false);
    if (!pw) c.require_slot("residual", op.residual, false);
    const std::pair<const char*, int32_t> reads[] = {{"x", op.x}, {"gate", op.gate}, {"residual", op.residual}};
    const std::pair<const char*, int32_t> writes[] = {{"y", op.y}, {"sums", op.sums}, {"map", op.map}};
    for (const auto& r : reads) {
      if (r.second == -1) continue;
      c.require(in_range(r.second), std::string(r.first) + " = " + std::to_string(r.second) + " is not a value id");
      c.require(writer[size_t(r.second)] != -2, std::string(r.first) + " reads value " + std::to_string(r.second) +
                                                    " before any op writes it");
    }
    for (const auto& w : writes) {
      if (w.second == -1) continue;
      c.require(in_range(w.second), std::string(w.first) + " = " + std::to_string(w.second) + " is not a value id");
      c.require(w.second != plan.input, std::string(w.first) + " would overwrite the plan input (value " +
                                            std::to_string(w.second) + ")");
      const int32_t prev = writer[size_t(w.second)];
      c.require(prev == -2, std::string(w.first) + " writes value " + std::to_string(w.second) + ", already " +
                                (prev == -1 ? std::string("an input") : "written by op " + std::to_string(prev)));
      writer[size_t(w.second)] = int32_t(i);
    }
    check_op_shapes(plan, i, writer);
  }
  for (int64_t v = 0; v < n_values; ++v) {
    if (writer[size_t(v)] == -2) fail("value " + std::to_string(v) + " is never written (each value is written exactly once)");
  }
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    if (!in_range(plan.outputs[i])) {
      fail("outputs[" + std::to_string(i) + "] = " + std::to_string(plan.outputs[i]) + " is not a value id");
    }
  }
}

void validate_plan(const Plan& plan) { validate_plan_with_inputs(plan, {}); }

}  // namespace effnet
