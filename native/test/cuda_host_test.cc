// effnet_cuda_host_test: the CUDA backend's logic that needs no GPU, run by ctest on every build.
//  - the event record mode follows the capture flag (plain when eager, external node when captured);
//  - fp16 refuses weights it cannot hold, naming the tensor, before any CUDA call (compile_cuda on
//    a machine with no GPU, or in a build without CUDA, says ERR_INVALID_OPTION, not "no device");
//  - the checkers' output comparison (tools/output_check.h) on the CPU backend: each output on its
//    own scale catches a y error that one shared scale hides under the SE sums; a skipped output
//    copy passes unnoticed with a stale buffer and the same input, and fails once the outputs are
//    poisoned with NaN or the second run gets another input (what effnet_cuda check does).
// Exit status 1 on any failure.
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/fp16_range.h"
#include "test/op_cases.h"
#include "cuda/event_record.h"
#include "effnet/cuda.h"
#include "effnet/error.h"
#include "effnet/model.h"
#include "tools/output_check.h"

using namespace effnet;

namespace {

int g_passed = 0, g_failed = 0;

void expect(bool ok, const std::string& what) {
  ok ? ++g_passed : ++g_failed;
  std::printf("  %s %s\n", ok ? "ok  " : "FAIL", what.c_str());
}

// The error code and message `f` throws ("" when it does not throw).
template <typename F>
std::pair<std::string, std::string> thrown(F f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {"", ""};
}

void test_event_record_mode() {
  using cuda::EventRecordMode;
  static_assert(cuda::event_record_mode(false) == EventRecordMode::plain, "eager runs record plain events");
  static_assert(cuda::event_record_mode(true) == EventRecordMode::external_node, "captures record event nodes");
  expect(cuda::event_record_mode(false) == EventRecordMode::plain, "eager (and graph_failed) runs: plain cudaEventRecord");
  expect(cuda::event_record_mode(true) == EventRecordMode::external_node, "inside capture(): cudaEventRecordExternal");
}

// A one-op plan: x [2,2,cin] -> op -> y, with the given weight matrix [cout][cin].
Plan one_op_plan(OpKind kind, int32_t cin, const std::vector<float>& weight) {
  const int32_t cout = int32_t(weight.size()) / cin;
  Plan p;
  p.values = {ValueDesc{2, 2, cin}, kind == OpKind::head_pool ? ValueDesc{1, 1, cout} : ValueDesc{2, 2, cout}};
  OpDesc op;
  op.kind = kind;
  op.x = 0;
  op.y = 1;
  op.act = Act::swish;
  op.weight = weight;
  op.bias.assign(size_t(cout), 0.5f);
  p.ops = {op};
  p.input = 0;
  p.outputs = {1};
  validate_plan(p);
  return p;
}

void test_fp16_range() {
  const float inf = std::numeric_limits<float>::infinity();
  struct Case {
    const char* name;
    OpKind kind;
    std::vector<float> weight;  // [2][3]
    const char* message;        // a substring of the error, or nullptr when fp16 can hold it
  };
  const Case cases[] = {
      {"ordinary weights", OpKind::pwconv_bn_act, {0.5f, -1.5f, 2.0f, 0.25f, 3.0f, -0.75f}, nullptr},
      {"65504 is the largest finite fp16", OpKind::pwconv_bn_act, {65504.0f, -65504.0f, 1, 1, 1, 1}, nullptr},
      {"a zero row is exact", OpKind::pwconv_bn_act, {0, 0, 0, 1, 2, 3}, nullptr},
      {"tiny weights beside a normal one round harmlessly", OpKind::head_pool, {1e-9f, 3e-7f, 1e-4f, 1, 2, 3}, nullptr},
      {"beyond 65504", OpKind::pwconv_bn_act, {1, 1, 1, 1, 70000.0f, 1}, "op 0 (pwconv_bn_act) weight[1][1] of [2][3] = 70000"},
      {"just beyond 65504", OpKind::head_pool, {-65505.0f, 1, 1, 1, 1, 1}, "op 0 (head_pool) weight[0][0] of [2][3] = -65505"},
      {"inf", OpKind::pwconv_bn_act, {1, 1, 1, 1, 1, inf}, "weight[1][2]"},
      {"a whole row of subnormal and flushed weights (a near-dead channel)", OpKind::pwconv_bn_act,
       {1, 2, 3, 1e-6f, -3e-5f, 1e-9f}, nullptr},
  };
  for (const Case& c : cases) {
    const Plan plan = one_op_plan(c.kind, 3, c.weight);
    const auto [code, message] = thrown([&] { check_fp16_weights(plan); });
    if (c.message == nullptr) {
      expect(code.empty(), std::string(c.name) + ": accepted" + (code.empty() ? "" : " (got " + message + ")"));
    } else {
      expect(code == kErrInvalidOption && message.find(c.message) != std::string::npos,
             std::string(c.name) + ": ERR_INVALID_OPTION naming \"" + c.message + "\" (got " + code + ": " + message + ")");
    }
  }
  // The stem keeps fp32 weights in both precisions: a big weight there is fine.
  Plan stem;
  stem.values = {ValueDesc{4, 4, 3}, ValueDesc{4, 4, 2}};
  OpDesc conv;
  conv.kind = OpKind::conv_bn_act, conv.x = 0, conv.y = 1, conv.k = 1;
  conv.weight.assign(6, 1e6f);
  conv.bias.assign(2, 0.0f);
  stem.ops = {conv};
  stem.outputs = {1};
  validate_plan(stem);
  expect(thrown([&] { check_fp16_weights(stem); }).first.empty(), "conv_bn_act weights stay fp32: not checked");

  // Through compile_cuda: refused before any device is looked for (no GPU here, or no CUDA at all).
  const Plan big = one_op_plan(OpKind::pwconv_bn_act, 3, {1, 1, 1, 1, 1e5f, 1});
  CudaOptions fp16;
  fp16.precision = Precision::fp16;
  const auto [code, message] = thrown([&] { compile_cuda(big, fp16); });
  expect(code == kErrInvalidOption && message.find("weight[1][1]") != std::string::npos,
         "compile_cuda(fp16) refuses it with ERR_INVALID_OPTION before any CUDA call (got " + code + ")");
  const auto fp32 = thrown([&] { compile_cuda(big, CudaOptions{}); }).first;
  expect(fp32 != kErrInvalidOption, "compile_cuda(fp32) does not check fp16 ranges (got " + fp32 + ")");
}

// The op case with two outputs on the most different scales: the dwconv with SE sums over the
// largest output map (the sums grow with Ho*Wo, y does not).
const OpCase& dwconv_with_sums() {
  const OpCase* best = nullptr;
  int64_t best_area = 0;
  for (const OpCase& c : op_cases()) {
    if (c.plan.ops[0].kind != OpKind::dwconv_bn_act || c.plan.outputs.size() != 2 || !c.external.empty()) continue;
    const ValueDesc& y = c.plan.values[size_t(c.plan.outputs[0])];
    if (int64_t(y.h) * y.w > best_area) best = &c, best_area = int64_t(y.h) * y.w;
  }
  if (best == nullptr) throw Error(kErrInternal, "op_cases() has no dwconv_bn_act case with SE sums");
  return *best;
}

void test_per_output_comparison(const OpCase& c) {
  const auto inputs = op_case_inputs(c);
  const auto ref = op_case_reference(c, inputs);
  const OutputComparison y = compare_output(ref[0], ref[0]), sums = compare_output(ref[1], ref[1]);
  std::printf("  case %s: max |y| %.3g, max |sums| %.3g\n", c.id.c_str(), y.max_abs_ref, sums.max_abs_ref);
  // One element of y off by 5x the op tolerance of y's own scale.
  const double error = 5 * kOpCaseMaxAbs * std::max(1.0, y.max_abs_ref);
  expect(error <= kOpCaseMaxAbs * sums.max_abs_ref, "precondition: that error is within the tolerance of the sums' scale");
  std::vector<std::vector<float>> got = ref;
  got[0][got[0].size() / 2] += float(error);

  std::vector<float> joint_ref = ref[0], joint_got = got[0];
  joint_ref.insert(joint_ref.end(), ref[1].begin(), ref[1].end());
  joint_got.insert(joint_got.end(), got[1].begin(), got[1].end());
  expect(within_op_tolerance(compare_output(joint_ref, joint_got), kOpCaseMaxNmse, kOpCaseMaxAbs),
         "one comparison over y and sums together misses the y error (why outputs are compared apart)");
  expect(!within_op_tolerance(compare_output(ref[0], got[0]), kOpCaseMaxNmse, kOpCaseMaxAbs),
         "y compared on its own scale: the error is caught");
  expect(within_op_tolerance(compare_output(ref[1], got[1]), kOpCaseMaxNmse, kOpCaseMaxAbs), "the sums pass on theirs");
}

// The CPU model, with output 0's copy skipped (Model::run skips the copy of a null output): the
// stand-in for a CUDA graph that lost its copy node.
void run_skipping_output0(Model& m, const OpCase& c, const std::vector<float>& input,
                          std::vector<std::vector<float>>& outs) {
  std::vector<float*> ptrs;
  for (auto& o : outs) ptrs.push_back(o.data());
  ptrs[0] = nullptr;
  m.run(input.data(), c.batch, ptrs.data());
}

void test_poisoning(const OpCase& c) {
  CompileOptions options;
  options.threads = 1;
  auto model = Model::compile(c.plan, options);
  const auto inputs_a = op_case_inputs(c);
  const auto ref_a = op_case_reference(c, inputs_a);
  OpCase other = c;
  other.seed = c.seed ^ 0x9e3779b97f4a7c15ull;
  const auto inputs_b = op_case_inputs(other);
  const auto ref_b = op_case_reference(other, inputs_b);
  const std::vector<float>& in_a = inputs_a[size_t(c.plan.input)];
  const std::vector<float>& in_b = inputs_b[size_t(c.plan.input)];
  auto ok = [](const std::vector<float>& ref, const std::vector<float>& got) {
    return within_op_tolerance(compare_output(ref, got), kOpCaseMaxNmse, kOpCaseMaxAbs);
  };

  // The first (complete) run leaves correct results in the buffers.
  std::vector<int64_t> sizes;
  for (int32_t v : c.plan.outputs) sizes.push_back(c.plan.values[size_t(v)].size());
  auto outs = poisoned_outputs(sizes, c.batch);
  std::vector<float*> ptrs = {outs[0].data(), outs[1].data()};
  model->run(in_a.data(), c.batch, ptrs.data());
  expect(ok(ref_a[0], outs[0]) && ok(ref_a[1], outs[1]), "a complete run passes");

  run_skipping_output0(*model, c, in_a, outs);
  expect(ok(ref_a[0], outs[0]), "blind spot: same input, stale buffer, skipped copy still passes");

  poison_with_nan(outs);
  run_skipping_output0(*model, c, in_a, outs);
  const OutputComparison poisoned = compare_output(ref_a[0], outs[0]);
  expect(!ok(ref_a[0], outs[0]) && poisoned.non_finite == poisoned.n,
         "poisoned before the run: the skipped copy leaves NaN and fails");
  expect(ok(ref_a[1], outs[1]), "poisoned: the output that was copied still passes");

  model->run(in_a.data(), c.batch, ptrs.data());  // correct results in the buffers again
  run_skipping_output0(*model, c, in_b, outs);
  expect(!ok(ref_b[0], outs[0]), "second run on another input, not poisoned: the stale result fails its own reference");
  expect(ok(ref_b[1], outs[1]), "second run on another input: the copied output matches its own reference");
}

}  // namespace

int main() {
  try {
    std::printf("event record mode:\n");
    test_event_record_mode();
    std::printf("fp16 weight range:\n");
    test_fp16_range();
    const OpCase& c = dwconv_with_sums();
    std::printf("per-output comparison:\n");
    test_per_output_comparison(c);
    std::printf("poisoning (CPU backend):\n");
    test_poisoning(c);
  } catch (const Error& e) {
    std::printf("effnet_cuda_host_test: %s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  std::printf("effnet_cuda_host_test: %d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
