#pragma once

#include <string>

#include "common/error.h"

namespace podkeeper::runtime {

// A non-blocking, close-on-exec TCP socket of the given family made inside the network
// namespace pinned at nsPath. A socket stays in the namespace it was made in, so the agent can
// connect it from its own namespace. Made on a short-lived thread (setns of the network
// namespace is per thread), so the caller's thread never leaves the host's namespace.
Result<int> openSocketInNetns(const std::string& nsPath, int family);

}  // namespace podkeeper::runtime
