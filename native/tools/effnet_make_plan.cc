// effnet_make_plan: writes a plan of a real EfficientNet shape with seeded random weights
// (tools/synthetic_plan.h), for effnet_run and device checks on machines without Node.
//   effnet_make_plan out.bin [--variant b0..b7|tiny] [--res R] [--classes N] [--seed S] [--tf-same] [--head-map]
// --variant gives the network's shape and resolution (default b0); --res overrides the resolution.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "effnet/error.h"
#include "tools/synthetic_plan.h"

using namespace effnet;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: effnet_make_plan out.bin [--variant b0..b7|tiny] [--res R] [--classes N] [--seed S] "
                 "[--tf-same] [--head-map]\n");
    return 2;
  }
  SyntheticOptions o;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--res" && i + 1 < argc) o.resolution = std::atoi(argv[++i]);
    else if (a == "--classes" && i + 1 < argc) o.classes = std::atoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) o.seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--variant" && i + 1 < argc) o.network = argv[++i];
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
