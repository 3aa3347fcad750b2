#pragma once

#include <string>

#include "common/error.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/bundle/state_json.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/container_runtime.h"
#include "runtime/sandbox/namespace_pins.h"
#include "runtime/sandbox/sandbox_files.h"
#include "runtime/sys/start_timeline.h"

// A sandbox is a pod's state directory, its cgroup and its pinned net/ipc/uts namespaces.
namespace podkeeper::runtime {

// Creates what is missing and verifies what exists: pins that are intact are kept. `known` is
// the record the caller last had this write for the sandbox (nullptr when it has none, e.g.
// after the agent restarted). When the record is the same, the sandbox was made under this
// very spec (a container restarting in its pod): sandbox.json is neither read nor rewritten
// and the pins are not checked again. Returns the record sandbox.json holds.
// userHostId: the host ids of the pod's user namespace (hostUsers: false), allocated by the
// caller. timeline, when given, gets the stages marked (files, cgroup, pins); standby, when
// given, may have the new namespaces made already (NamespaceStandby).
Result<SandboxRecord> ensureSandbox(const StateLayout& layout, cgroup::CgroupManager& cgroups,
                                    const SandboxSpec& spec, const NodeFiles& node,
                                    const SandboxRecord* known,
                                    std::optional<uint32_t> userHostId = std::nullopt,
                                    StartTimeline* timeline = nullptr,
                                    NamespaceStandby* standby = nullptr);

// CLOCK_REALTIME now: names the versions of downwardAPI volumes.
int64_t realtimeNs();

// Kills every process of the pod, waits for its shims, unpins the namespaces and removes
// the cgroups and the state directory. Idempotent.
Result<void> removeSandbox(const StateLayout& layout, cgroup::CgroupManager& cgroups,
                           const std::string& uid);

// A pod stopped for good, its containers exited: waits for its shims, stops its pid reaper,
// unpins its namespaces, removes its cgroups, unmounts and removes its volumes and its
// containers' writable layers and bundle leftovers (rootfs, seccomp program, attach socket),
// keeping sandbox.json, stop.json, each container's config.json, state.json and exit.json,
// its termination message (cut at 4 KiB) and the log directory; then writes the `released`
// mark. Refuses while a container runs. Idempotent.
Result<void> releaseSandbox(const StateLayout& layout, cgroup::CgroupManager& cgroups,
                            const std::string& uid);

// Removes a cgroup whose processes were just killed. The kernel empties it shortly after
// SIGKILL and rmdir says EBUSY until then, so that is retried for up to 5 s. Nothing to do
// when it does not exist.
Result<void> removeKilledCgroup(cgroup::CgroupManager& cgroups, const cgroup::CgroupPath& path);

}  // namespace podkeeper::runtime
