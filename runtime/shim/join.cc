#include "runtime/shim/join.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "runtime/exec/join_plan.h"
#include "runtime/init/container_command.h"

namespace podkeeper::runtime::shim {
namespace {

constexpr int kAllNamespaces =
    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
constexpr size_t kMaxPlanBytes = 16 << 20;

// Everything up to EOF; "" when the starter gave up (it could not place us in the cgroup).
Result<std::string> readPlan() {
  std::string text;
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(kJoinPlanFd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failSys(errno, "read the join plan");
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxPlanBytes) return failMsg("join plan larger than 16 MiB");
  }
  ::close(kJoinPlanFd);
  return text;
}

}  // namespace

int runJoiner() {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  for (int fd : {kJoinCommandPidFd, kJoinTargetFd, kJoinErrorFd}) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  auto text = readPlan();
  if (!text) reportExecFailure(kJoinErrorFd, text.error());
  if (text->empty()) return 126;
  auto plan = decodeJoinPlan(*text);
  if (!plan) reportExecFailure(kJoinErrorFd, plan.error());
  const PreparedCommand command(plan->argv, plan->env);
  if (::setns(kJoinTargetFd, kAllNamespaces) != 0) {
    reportExecFailure(kJoinErrorFd, Error::sys(errno, "join the container's namespaces"));
  }
  // A hostUsers: false pod's user namespace last, as its init joined it: its other namespaces
  // belong to the host's. EINVAL: the container is in ours.
  if (::setns(kJoinTargetFd, CLONE_NEWUSER) != 0 && errno != EINVAL) {
    reportExecFailure(kJoinErrorFd, Error::sys(errno, "join the container's user namespace"));
  }
  ::close(kJoinTargetFd);
  const pid_t child = ::fork();
  if (child < 0) reportExecFailure(kJoinErrorFd, Error::sys(errno, "fork the command"));
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    execContainerCommand(command, plan->workingDir, plan->identity, kJoinErrorFd);
  }
  (void)!::write(kJoinCommandPidFd, &child, sizeof child);
  // Only the command holds the error pipe and the stdio now: their ends tell the starter.
  for (int fd : {kJoinCommandPidFd, kJoinErrorFd, 0, 1, 2}) ::close(fd);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace podkeeper::runtime::shim
