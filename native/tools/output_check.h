// How the no-Node checkers compare a backend's outputs with a reference, and how they make sure a
// result was really written by the run they are checking.
//
//  * Each output is compared on its own, against its own scale: in one pass over every output a
//    dwconv's y (|y| ~ 1) would share one max |ref| with its SE sums (|sums| ~ H*W), and a wrong y
//    would hide under the sums' scale.
//  * Outputs are poisoned with NaN before every checked run. A non-finite result counts as an
//    infinite difference, so an output the run never wrote (a skipped copy, a graph that lacks a
//    node) fails even when the buffer still holds a correct result from an earlier run.
#pragma once
#include <cstdint>
#include <vector>

namespace effnet {

struct OutputComparison {
  double max_abs_diff = 0;  // max |got - ref|; +inf where got is not finite
  double nmse = 0;          // sum (got - ref)^2 / sum ref^2 (the plain sum when ref is all zeros)
  double max_abs_ref = 0;   // max |ref| of this output alone
  int64_t n = 0;
  int64_t non_finite = 0;   // elements of got that are NaN or inf
};

OutputComparison compare_output(const float* ref, const float* got, int64_t n);
OutputComparison compare_output(const std::vector<float>& ref, const std::vector<float>& got);

// The op-case rule (the same as effnet_check's): nmse <= max_nmse and
// max_abs_diff <= max_abs * max(1, max_abs_ref).
bool within_op_tolerance(const OutputComparison& r, double max_nmse, double max_abs);

// NaN into every element: run before each checked run (and before every timed one).
void poison_with_nan(std::vector<std::vector<float>>& buffers);
// Buffers sized for `batch` of each plan output (sizes per image), already poisoned.
std::vector<std::vector<float>> poisoned_outputs(const std::vector<int64_t>& sizes_per_image, int32_t batch);

}  // namespace effnet
