#pragma once

#include <chrono>
#include <string>

#include "common/error.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/sys/sealed_binary.h"

// shareProcessNamespace: one pid namespace for all containers of a pod. Its init is a small
// reaper (podkeeper-shim --pid-reaper), not the first container: the kubelet has the pause
// container for this, and without one the namespace, and every container in it, would die
// with the first container. Like the pause container, it holds nothing of the host: it runs
// from the sealed copy of the shim, non-dumpable, with no capabilities and no_new_privs, its
// root and cwd an empty read-only tmpfs in a mount namespace of its own (see
// shim/pid_reaper.h). The reaper is the first process of the pod; it is pinned at
// ns/pid, recorded in reaper.json (pid and start time), lives in the shims' cgroup like the
// shims (outside the agent's, so it survives agent restarts and is adopted from the record),
// and goes with the sandbox.
namespace podkeeper::runtime {

// Verifies the recorded reaper is alive and its pin valid; otherwise starts a new one (a
// dead reaper took its namespace and every container in it along) and pins its namespace.
Result<void> ensurePidReaper(const StateLayout& layout, const std::string& uid,
                             const SealedBinary& shim, cgroup::CgroupManager& cgroups,
                             const cgroup::CgroupPath& shimCgroup,
                             std::chrono::milliseconds timeout);

// Kills the recorded reaper, if it still runs, and waits until it is gone. Idempotent.
void stopPidReaper(const StateLayout& layout, const std::string& uid);

}  // namespace podkeeper::runtime
