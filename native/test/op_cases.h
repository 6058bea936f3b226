// The project's one table of single-op test cases, run on every backend against the scalar
// reference: by native/tools/effnet_check (no Node) and, through the test addon
// (op_cases_addon.cc), by the vitest suite. Test data: never linked into the shipped addon.
//
// Shapes are deliberately odd (H, W in {1, 7, 13, 16, 17}; channels like 3, 17, 33, 61, 100 that
// are not multiples of 8/16, so every vector loop runs its tail), with k 3 and 5, stride 1 and 2,
// symmetric and TF SAME (asymmetric) padding, with/without gate and residual, act none/swish,
// head_pool with and without the map, batch 1 and 3. Inputs and weights come from a splitmix64
// seeded with a hash of the case id (printed with every result).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "effnet/model.h"
#include "effnet/plan.h"

namespace effnet {

struct OpCase {
  std::string id;      // e.g. "dwconv_bn_act/k5_s2_same_h17_w13_c33_b3"
  uint64_t seed = 0;   // seed_from_string(id): inputs and weights
  int32_t batch = 1;
  Plan plan;           // exactly one op, weights filled; outputs = everything it writes
  // Values fed by the harness besides plan.input (the gate and the residual of pwconv_bn_act,
  // which in a network come from other ops). The plan is valid given these as inputs.
  std::vector<int32_t> external;
};

struct OpCheck {
  double max_abs_diff = 0;  // max |candidate - reference| over every output element
  double nmse = 0;          // sum (candidate - reference)^2 / sum reference^2
  double max_abs_ref = 0;   // max |reference|
  int64_t n = 0;            // elements compared
  bool passed = false;      // within the tolerances below
  std::string kernel;       // the candidate's level and the op's implementation, e.g. "avx2/generic"
};

// fp32 tolerances (ggml's test-backend-ops uses the same): the reference accumulates in double and
// uses libm expf; a fast kernel accumulates in fp32 in another order (error ~ sqrt(Cin) * 2^-24 of
// the magnitude, i.e. nmse ~1e-13) and may use a polynomial exp (< 2e-7 relative). NMSE 1e-7 allows
// ~3e-4 relative RMS error, max abs 1e-4 of the output scale catches a single wrong element
// (a wrong tap or a missing tail is off by O(0.1), not 1e-4) without failing on rounding.
inline constexpr double kOpCaseMaxNmse = 1e-7;
inline constexpr double kOpCaseMaxAbs = 1e-4;  // times max(1, max_abs_ref)

const std::vector<OpCase>& op_cases();

// The harness inputs of a case, per value id (empty for values the op computes): the network
// input and the case's external values, from the case's seed. Every backend's checker feeds these,
// so a failure on one backend reproduces on another.
std::vector<std::vector<float>> op_case_inputs(const OpCase& c);

// The case's op on the scalar reference kernels, fed `inputs`; returns the plan outputs' values in
// plan.outputs order.
std::vector<std::vector<float>> op_case_reference(const OpCase& c, const std::vector<std::vector<float>>& inputs);

// Runs the case with KernelSet::reference and with `candidate` (kernels, cpu_level, threads as in
// Model::compile) and compares every output. Throws effnet::Error for an invalid candidate level.
OpCheck check_op_case(const OpCase& c, const CompileOptions& candidate);

}  // namespace effnet
