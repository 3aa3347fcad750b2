#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "common/error.h"
#include "runtime/sys/sealed_binary.h"

namespace podkeeper::runtime {

struct ShimStarted {
  pid_t shimPid = 0;
  pid_t containerPid = 0;
  std::string timeline;  // the shim's own stages ("shim.name=ms ..."), for the start's debug line
};

// Runs `podkeeper-shim --bundle <bundle>` from the sealed copy with a sync pipe on fd 3, the
// bundle's lock on fd 4 and nothing else open, waits for its report, and reaps the
// intermediate process (the shim itself lives on outside the agent's tree). On timeout the
// shim is killed. shimPid is set as soon as it is known, so a caller can clean up after a
// failure.
Result<ShimStarted> launchShim(const SealedBinary& shim, const std::string& bundle,
                               std::chrono::milliseconds timeout, pid_t& shimPid);

// The same for `podkeeper-shim --pid-reaper <nsDir>`; containerPid is the pid namespace's init.
Result<ShimStarted> launchPidReaper(const SealedBinary& shim, const std::string& nsDir,
                                    std::chrono::milliseconds timeout, pid_t& reaperPid);

// Whether a shim for this bundle is alive (it holds <bundle>/shim.lock; see kShimLockFd),
// including one that has not yet written state.json.
bool shimHoldsBundle(const std::string& bundle);

}  // namespace podkeeper::runtime
