#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/container_exec.h"

// `podkeeper exec`: a command in a running container with the caller's own stdin, stdout and
// stderr, so output streams as it comes and input passes through, without size limits.
namespace podkeeper::runtime {

struct AttachedExit {
  int exitCode = 0;   // the command's; 128+signal when it was killed
  int execErrno = 0;  // set when the command could not be started (ENOENT: not found)
};

// Joins the init's namespaces (setns on its pidfd) and cgroup, becomes the container's user
// with its capabilities and environment, and execs argv at once (non-dumpable until then, as
// in runInContainer). Blocks until the command exits. An error means nothing was started.
Result<AttachedExit> runAttached(const ExecTarget& target, const std::vector<std::string>& argv,
                                 cgroup::CgroupManager& cgroups);

}  // namespace podkeeper::runtime
