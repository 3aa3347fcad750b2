#pragma once

#include <cstdint>

#include "common/error.h"

namespace podkeeper::agent {

struct OpenFileLimit {
  uint64_t softBefore = 0;
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit, which needs no privilege: the
// exporter keeps ~15 cgroup files open per row (9,000 at 300 containers). Children inherit
// the raised soft limit; the shim launch and exec paths close every fd they do not pass on.
Result<OpenFileLimit> raiseOpenFileLimit();

}  // namespace podkeeper::agent
