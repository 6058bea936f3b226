// What the addon keeps per JS environment (the main thread, each worker thread), as the env's
// instance data.
#pragma once
#include <memory>

#include "binding/executor.h"

namespace effnet::binding {

struct AddonData {
  std::shared_ptr<EnvQueue> queue;  // also held by the env's cleanup hook and 'exit' listener
};

}  // namespace effnet::binding
