#include "runtime/init/container_init.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/cgroup/cgroup_manager.h"

namespace podkeeper::runtime {
namespace {

Result<void> joinPodNamespaces(const InitPlan& plan) {
  for (const auto& ns : plan.podNamespaces) {
    if (::setns(ns.fd, ns.type) != 0) {
      return failSys(errno, "join the pod's " + ns.kind + " namespace");
    }
  }
  return {};
}

Result<void> joinContainerCgroup(const InitPlan& plan) {
  if (int err = cgroup::joinOwnCgroups(plan.cgroupJoinFds.data(), plan.cgroupJoinFds.size());
      err != 0) {
    return failSys(err, "join the container's cgroup (write 0 to tasks)");
  }
  for (int fd : plan.cgroupJoinFds) ::close(fd);
  if (plan.unshareCgroupNs && ::unshare(CLONE_NEWCGROUP) != 0) {
    return failSys(errno, "unshare cgroup namespace");
  }
  return {};
}

Result<void> waitUntilPlaced(const InitPlan& plan) {
  if (plan.placedFd < 0) return {};
  char c;
  if (::read(plan.placedFd, &c, 1) != 1) return failMsg("shim did not set up the container");
  return {};
}

Result<void> setupStdio(const InitPlan& plan) {
  int in = plan.stdinFd;
  if (in < 0) in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in < 0) return failSys(errno, "open /dev/null");
  if (::dup2(in, 0) < 0 || ::dup2(plan.stdoutFd, 1) < 0 || ::dup2(plan.stderrFd, 2) < 0) {
    return failSys(errno, "set up stdio");
  }
  // A session of its own with the pty as its terminal: ^C and job control reach the
  // container's processes, as under runc with terminal: true.
  if (plan.controllingTerminal && (::setsid() < 0 || ::ioctl(0, TIOCSCTTY, 0) != 0)) {
    return failSys(errno, "make the pty the controlling terminal");
  }
  return {};
}

Result<void> setUp(const InitPlan& plan) {
  // Until exec this process is the shim's image (a sealed memfd): nothing in the container
  // may ptrace it or read its memory. The shim cloned us non-dumpable already; this keeps it
  // so should that ever change. exec makes an ordinary binary dumpable again.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return failSys(errno, "set non-dumpable");
  ::umask(0);  // device nodes get exactly the modes asked for
  if (auto r = joinContainerCgroup(plan); !r) return r;
  if (auto r = joinPodNamespaces(plan); !r) return r;
  if (auto r = prepareRootfs(plan.rootfs); !r) return r;
  if (auto r = pivotInto(plan.rootfs.mergedDir); !r) return r;
  if (plan.rootfs.readOnly) {
    if (auto r = remountRootReadOnly(); !r) return r;
  }
  if (auto r = waitUntilPlaced(plan); !r) return r;
  // Every mount is made: from here on the container's root is root only in its user
  // namespace, without a capability over the host's.
  if (plan.userNamespaceFd >= 0 && ::setns(plan.userNamespaceFd, CLONE_NEWUSER) != 0)
    return failSys(errno, "join the pod's user namespace");
  ::umask(022);
  return setupStdio(plan);
}

}  // namespace

void runContainerInit(const InitPlan& plan) {
  const PreparedCommand command(plan.argv, containerEnvironment(plan.env, plan.hostname));
  if (auto r = setUp(plan); !r) reportExecFailure(plan.execErrorFd, r.error());
  // Nothing of the shim's reaches the container but the exec-error pipe, which closes on exec.
  execContainerCommand(command, plan.workingDir, plan.identity, plan.execErrorFd);
}

}  // namespace podkeeper::runtime
