#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/init/container_command.h"
#include "runtime/init/process_identity.h"
#include "runtime/init/rootfs.h"

// The container's init, between clone3 and exec. Runs in the shim's child, in the new pid,
// mount (and cgroup) namespaces.
namespace podkeeper::runtime {

struct InitPlan {
  RootfsPlan rootfs;
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V"
  std::string workingDir = "/";
  std::string hostname;
  ProcessIdentity identity;

  // The v1 `tasks` files of the container's cgroup (CgroupManager::openSelfJoin): joined
  // first of all, by this still single-threaded child itself.
  std::vector<int> cgroupJoinFds;
  bool unshareCgroupNs = false;  // true when joined after birth: the cgroup ns root must be ours
  int placedFd = -1;  // read end: one byte once the shim has set our oom_score_adj (before exec)
  struct PodNamespace {
    int fd;
    int type;  // CLONE_NEWNET, CLONE_NEWIPC or CLONE_NEWUTS
    std::string kind;
  };
  std::vector<PodNamespace> podNamespaces;  // the pod's pinned ones; host ones are not listed
  bool newPidNamespace = true;              // false for hostPID pods
  int userNamespaceFd = -1;  // hostUsers: false: joined last, once the rootfs is in place
  int stdinFd = -1;          // -1: /dev/null
  int stdoutFd = -1;
  int stderrFd = -1;
  bool controllingTerminal = false;  // tty: stdin is a pty slave, made the session's terminal
  int execErrorFd = -1;              // CLOEXEC: EOF on exec, an ExecFailure otherwise
};

// Never returns: execs the command or reports why not and exits 127.
[[noreturn]] void runContainerInit(const InitPlan& plan);

}  // namespace podkeeper::runtime
