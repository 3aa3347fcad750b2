#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/container_runtime.h"
#include "runtime/init/process_identity.h"
#include "runtime/sys/sealed_binary.h"

// Running a command inside a running container: exec probes and hooks (output collected) and
// `podkeeper exec` (the caller's stdio). One path for all: `podkeeper-shim --join`
// (runtime/shim/join.h) exec'd from the sealed copy of the shim, so nothing the container can
// see is a host binary; it gets the container's namespaces, cgroup and whole identity, and
// closes every descriptor before it enters the working directory.
namespace podkeeper::runtime {

struct ExecTarget {
  pid_t pid = 0;  // the container's init
  uint64_t pidStartTime = 0;
  cgroup::CgroupPath cgroupPath;
  ProcessIdentity identity;      // user, groups, capabilities, no_new_privs, seccomp program
  std::vector<std::string> env;  // the container's, PATH and HOSTNAME included
  std::string workingDir = "/";
};

// What the joined command gets as stdin, stdout and stderr (the joiner dups them).
struct ExecStdio {
  int in = 0, out = 1, err = 2;
};

// Starts the joiner with the given stdio and returns once it is placed in the container's
// cgroup and has its plan; the command's output, if any, goes where stdio says. The caller
// waits for the joiner's pidfd and calls finishExec (or killExec first).
Result<StartedExec> startJoiner(const SealedBinary& shim, const ExecTarget& target,
                                const std::vector<std::string>& argv,
                                cgroup::CgroupManager& cgroups, ExecStdio stdio);

// For probes and hooks, which must not block the loop: stdin is /dev/null, stdout and stderr
// one pipe (StartedExec::output), read by the caller until the joiner's pidfd turns readable.
Result<StartedExec> startInContainer(const SealedBinary& shim, const ExecTarget& target,
                                     const std::vector<std::string>& argv,
                                     cgroup::CgroupManager& cgroups);
// Kills the command (or the joiner, before it reported the command); the joiner then reaps
// the command and exits.
void killExec(StartedExec& exec);
// Reaps the joiner (waiting for it when it has not exited yet) and reports how the command
// ended: an error when the container could not be joined or the command not exec'd.
Result<ExecResult> finishExec(StartedExec& exec, std::string output, bool timedOut);

// startInContainer, collecting at most maxOutput bytes; after timeout the command is killed
// and timedOut set.
Result<ExecResult> runInContainer(const SealedBinary& shim, const ExecTarget& target,
                                  const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout, cgroup::CgroupManager& cgroups,
                                  size_t maxOutput = 64 * 1024);

struct AttachedExit {
  int exitCode = 0;                // the command's; 128+signal when it was killed
  std::optional<Error> execError;  // set when the command was not started (ENOENT: not found)
};

// `podkeeper exec`: startJoiner with the given stdio (the caller's own by default, so output
// streams and input passes through, without limits), blocking until the command ends. An
// error means the container could not be reached.
Result<AttachedExit> runAttached(const SealedBinary& shim, const ExecTarget& target,
                                 const std::vector<std::string>& argv,
                                 cgroup::CgroupManager& cgroups, ExecStdio stdio = {});

}  // namespace podkeeper::runtime
