#pragma once

#include <signal.h>

#include "common/error.h"
#include "runtime/logs/cri_log_writer.h"
#include "runtime/shim/attach.h"
#include "runtime/shim/diagnostics.h"
#include "runtime/shim/spawn.h"

namespace podkeeper::runtime::shim {

// Copies the container's stdout and stderr into the CRI log (and to attached clients) until
// both close, serves the attach socket when there is one, and reaps the init when it exits.
// Returns the init's waitid result. Entries the log cannot take are counted in
// `droppedCountFile` (ContainerPaths::logDropped) for the agent's metric.
Result<siginfo_t> relayUntilExit(RunningContainer& c, CriLogWriter& log, const Diagnostics& diag,
                                 const std::string& droppedCountFile,
                                 AttachServer* attach = nullptr);

}  // namespace podkeeper::runtime::shim
