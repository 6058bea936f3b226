// A named pass/fail result: the checks in the test/*_test.cc files return lists of these, and
// effnet_core_test reports each.
#pragma once
#include <string>

namespace effnet {

struct NamedCheck {
  std::string what;
  bool ok = false;
};

}  // namespace effnet
