#pragma once

#include <string>

namespace podkeeper::runtime::shim {

// podkeeper-shim --pid-reaper <pod ns dir>: the init of a pod's shared pid namespace
// (shareProcessNamespace). It leaves the agent's session, unshares a pid namespace and forks
// its init, pins that namespace at <ns dir>/pid while the init is still its child (so the
// pid cannot be recycled in between), reports "ok <own pid> <init pid>" on fd 3 and exits.
// The init only reaps: every container of the pod is born into its namespace, and orphans
// are reparented to it. It ends with SIGTERM or SIGKILL, taking the namespace along.
int runPidReaper(const std::string& nsDir);

}  // namespace podkeeper::runtime::shim
