#include "tools/output_check.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace effnet {

OutputComparison compare_output(const float* ref, const float* got, int64_t n) {
  OutputComparison r;
  double err2 = 0, ref2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool finite = std::isfinite(got[i]);
    const double d = finite ? std::fabs(double(got[i]) - double(ref[i])) : HUGE_VAL;
    r.non_finite += finite ? 0 : 1;
    r.max_abs_diff = std::max(r.max_abs_diff, d);
    r.max_abs_ref = std::max(r.max_abs_ref, std::fabs(double(ref[i])));
    err2 += d * d;
    ref2 += double(ref[i]) * double(ref[i]);
  }
  r.n = n;
  r.nmse = ref2 > 0 ? err2 / ref2 : err2;
  return r;
}

OutputComparison compare_output(const std::vector<float>& ref, const std::vector<float>& got) {
  // A size mismatch is a harness bug: compare what both have and count the rest as non-finite.
  const int64_t n = int64_t(std::min(ref.size(), got.size()));
  OutputComparison r = compare_output(ref.data(), got.data(), n);
  if (ref.size() != got.size()) {
    r.non_finite += int64_t(std::max(ref.size(), got.size())) - n;
    r.max_abs_diff = r.nmse = HUGE_VAL;
  }
  return r;
}

bool within_op_tolerance(const OutputComparison& r, double max_nmse, double max_abs) {
  return r.non_finite == 0 && r.nmse <= max_nmse && r.max_abs_diff <= max_abs * std::max(1.0, r.max_abs_ref);
}

void poison_with_nan(std::vector<std::vector<float>>& buffers) {
  for (auto& b : buffers) std::fill(b.begin(), b.end(), std::numeric_limits<float>::quiet_NaN());
}

std::vector<std::vector<float>> poisoned_outputs(const std::vector<int64_t>& sizes_per_image, int32_t batch) {
  std::vector<std::vector<float>> out;
  for (int64_t s : sizes_per_image) out.emplace_back(size_t(s * batch), std::numeric_limits<float>::quiet_NaN());
  return out;
}

}  // namespace effnet
