#pragma once

#include <string>

namespace podkeeper::runtime::shim {

// podkeeper-shim --pid-reaper <pod ns dir>: the init of a pod's shared pid namespace
// (shareProcessNamespace). It leaves the agent's session, unshares a pid namespace and forks
// its init, waits until the init has given up everything of the host (below), pins that
// namespace at <ns dir>/pid while the init is still its child (so the pid cannot be recycled
// in between), reports "ok <own pid> <init pid>" on fd 3 and exits.
// The init only reaps: every container of the pod is born into its namespace, and orphans
// are reparented to it. It ends with SIGTERM or SIGKILL, taking the namespace along. Before
// that it makes an empty read-only tmpfs its root and cwd (in a mount namespace of its own),
// drops every capability, sets no_new_privs, stays non-dumpable and closes every descriptor,
// so a container beside it (even with CAP_SYS_PTRACE) finds nothing of the host through
// /proc/1; its /proc/1/exe is the sealed copy of the shim it was exec'd from.
int runPidReaper(const std::string& nsDir);

}  // namespace podkeeper::runtime::shim
