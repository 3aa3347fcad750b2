#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/bundle/shim_config.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/sys/start_timeline.h"

namespace podkeeper::runtime::shim {

// A container whose command was exec'd: its init and the shim's ends of its stdio.
struct RunningContainer {
  pid_t pid = 0;
  UniqueFd pidfd;
  UniqueFd stdoutFd;
  UniqueFd stderrFd;  // invalid with tty: the pty carries both
  UniqueFd stdinFd;   // the shim's end of stdin (attach.h); invalid without stdin or tty
  int64_t startedAtNs = 0;
  // The cgroup's OOM kill count before the command ran (cgroupOomKills), for exit.json's
  // OOMKilled: nullopt when it could not be read.
  std::optional<uint64_t> oomKillsBefore;
  std::vector<std::string> warnings;  // settings the kernel refused (start went on)
};

// The OOM kills counted in the container's memory cgroup (memory.oom_control's oom_kill on v1,
// memory.events' on v2); nullopt when unreadable.
std::optional<uint64_t> cgroupOomKills(cgroup::CgroupManager& cgroups,
                                       const cgroup::CgroupPath& path);

// How a child about to be cloned gets into a cgroup without a cgroup.procs write
// (CgroupManager::openForCloneInto and openSelfJoin): the cgroup2 directory to clone it into
// (invalid on v1) and the v1 `tasks` files it writes "0" to itself (joinOwnCgroups).
struct CgroupPlacement {
  UniqueFd cloneInto;
  std::vector<UniqueFd> selfJoin;

  static Result<CgroupPlacement> open(cgroup::CgroupManager& cgroups,
                                      const cgroup::CgroupPath& path);
  std::vector<int> selfJoinFds() const;
};

// clone3s the container's init into new pid/mount/cgroup namespaces inside its cgroup
// (a CgroupPlacement: born in its cgroup2 directory, joining the v1 hierarchies itself), sets
// its oom_score_adj, reads the cgroup's OOM kill count while the init makes its mounts,
// releases it and waits until the command was exec'd. On failure the child is
// killed and reaped. Each step is marked on timeline when one is given.
Result<RunningContainer> spawnContainer(const ShimConfig& config, const ContainerPaths& paths,
                                        cgroup::CgroupManager& cgroups,
                                        StartTimeline* timeline = nullptr);

}  // namespace podkeeper::runtime::shim
