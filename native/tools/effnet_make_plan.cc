// effnet_make_plan: writes a B0-shaped plan with seeded random weights (tools/synthetic_plan.h),
// for effnet_run and device checks on machines without Node.
//   effnet_make_plan out.bin [--variant b0..b7] [--res R] [--classes N] [--seed S] [--width W] [--depth D]
//                    [--tf-same] [--head-map]
// --variant sets width, depth and resolution to that variant's; later flags override them.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "effnet/error.h"
#include "tools/synthetic_plan.h"

using namespace effnet;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: effnet_make_plan out.bin [--variant b0..b7] [--res R] [--classes N] [--seed S] [--width W] "
                 "[--depth D] [--tf-same] [--head-map]\n");
    return 2;
  }
  SyntheticOptions o;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--res" && i + 1 < argc) o.resolution = std::atoi(argv[++i]);
    else if (a == "--classes" && i + 1 < argc) o.classes = std::atoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) o.seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--width" && i + 1 < argc) o.width = std::atof(argv[++i]);
    else if (a == "--depth" && i + 1 < argc) o.depth = std::atof(argv[++i]);
    else if (a == "--variant" && i + 1 < argc) {
      if (!synthetic_variant(argv[++i], &o)) {
        std::fprintf(stderr, "effnet_make_plan: unknown variant %s (expected b0..b7)\n", argv[i]);
        return 2;
      }
    }
    else if (a == "--tf-same") o.tf_same = true;
    else if (a == "--head-map") o.head_map = true;
    else {
      std::fprintf(stderr, "effnet_make_plan: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  try {
    const Plan plan = make_synthetic_plan(o);
    validate_plan(plan);
    save_plan(plan, argv[1]);
    std::printf("wrote %s: %zu values, %zu ops\n", argv[1], plan.values.size(), plan.ops.size());
  } catch (const Error& e) {
    std::fprintf(stderr, "effnet_make_plan: %s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  return 0;
}
