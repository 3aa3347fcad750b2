#pragma once

#include "agent/config.h"
#include "common/error.h"

namespace podkeeper::agent {

// `podkeeper run`: builds the object graph (the composition root) and runs the one loop until
// SIGINT or SIGTERM. Containers keep running when it returns; the next run adopts them.
Result<void> runAgent(const AgentConfig& config);

}  // namespace podkeeper::agent
