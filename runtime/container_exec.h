#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/container_runtime.h"
#include "runtime/process_identity.h"

// Running a command inside a running container (exec probes, `podkeeper exec`).
namespace podkeeper::runtime {

struct ExecTarget {
  pid_t pid = 0;  // the container's init
  uint64_t pidStartTime = 0;
  cgroup::CgroupPath cgroupPath;
  ProcessIdentity identity;
  std::vector<std::string> env;  // the container's, PATH and HOSTNAME included
  std::string workingDir = "/";
};

// Joins every namespace of the init (setns on its pidfd) and its cgroup, becomes the
// container's user with its capabilities, and execs argv at once. The joining process is
// non-dumpable until then, so the container cannot reach the agent's binary through
// /proc/<pid>/exe. After timeout the command is killed and timedOut set.
Result<ExecResult> runInContainer(const ExecTarget& target, const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout, cgroup::CgroupManager& cgroups,
                                  size_t maxOutput = 64 * 1024);

}  // namespace podkeeper::runtime
