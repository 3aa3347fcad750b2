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

// The same in three steps for callers that must not block (probes and hooks on the loop):
// startInContainer forks the joiner, places it in the cgroup and returns; the caller reads
// the output until the joiner's pidfd turns readable, then calls finishExec. On a timeout or
// a cancel it calls killExec first.
Result<StartedExec> startInContainer(const ExecTarget& target, const std::vector<std::string>& argv,
                                     cgroup::CgroupManager& cgroups);
// Kills the command (or the joiner, before it reported the command); the joiner then reaps
// the command and exits.
void killExec(StartedExec& exec);
// Reaps the joiner (waiting for it when it has not exited yet) and reports how the command
// ended: an error when the container could not be joined or the command not exec'd.
Result<ExecResult> finishExec(StartedExec& exec, std::string output, bool timedOut);

}  // namespace podkeeper::runtime
