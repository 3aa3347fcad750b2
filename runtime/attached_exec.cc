#include "runtime/attached_exec.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"
#include "runtime/container_init.h"
#include "runtime/proc.h"

namespace podkeeper::runtime {
namespace {

constexpr int kAllNamespaces =
    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

// Built before fork: the children only make system calls.
struct AttachedPlan {
  int pidfd = -1;
  int placedFd = -1;     // one byte once the parent has put the joiner in the cgroup
  int execErrorFd = -1;  // CLOEXEC: an errno when the command could not be exec'd
  const ProcessIdentity* identity = nullptr;
  std::vector<std::string> candidates;
  std::vector<char*> argv, envp;
  std::string workingDir;
};

// Keeps fds 0-2 (the caller's), closes everything else but the exec-error pipe.
[[noreturn]] void execAttached(const AttachedPlan& p) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  int err = 0;
  if (::chdir(p.workingDir.c_str()) != 0) {
    err = errno;
  } else if (auto r = assumeIdentity(*p.identity); !r) {
    err = r.error().code ? r.error().code : EPERM;
  } else {
    const unsigned keep = static_cast<unsigned>(p.execErrorFd);
    if (keep > 3) ::close_range(3, keep - 1, 0);
    ::close_range(keep + 1, ~0U, 0);
    err = ENOENT;
    for (const auto& c : p.candidates) {
      ::execve(c.c_str(), p.argv.data(), p.envp.data());
      if (errno != ENOENT && errno != ENOTDIR) err = errno;
    }
  }
  (void)!::write(p.execErrorFd, &err, sizeof err);
  ::_exit(127);
}

// Placed in the cgroup by the parent, enters the namespaces (the pid namespace applies to its
// child), forks the command, reaps it and exits with its status.
[[noreturn]] void joinAttached(const AttachedPlan& p) {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  char c;
  if (::read(p.placedFd, &c, 1) != 1) ::_exit(126);
  if (::setns(p.pidfd, kAllNamespaces) != 0) {
    const int err = errno;
    (void)!::write(p.execErrorFd, &err, sizeof err);
    ::_exit(126);
  }
  const pid_t child = ::fork();
  if (child < 0) ::_exit(126);
  if (child == 0) execAttached(p);
  ::close(p.execErrorFd);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

std::vector<char*> cStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<AttachedExit> runAttached(const ExecTarget& target, const std::vector<std::string>& argv,
                                 cgroup::CgroupManager& cgroups) {
  if (argv.empty()) return failMsg("exec: empty command");
  auto pidfd = openCheckedPidfd(target.pid, target.pidStartTime);
  if (!pidfd) return fail(pidfd.error().context("container not running"));
  int fds[4];
  if (::pipe2(fds, O_CLOEXEC) != 0 || ::pipe2(fds + 2, O_CLOEXEC) != 0)
    return failSys(errno, "exec: pipe");
  UniqueFd placedRead(fds[0]), placedWrite(fds[1]), errRead(fds[2]), errWrite(fds[3]);
  std::vector<std::string> args = argv, env = target.env;
  AttachedPlan plan{pidfd->get(),
                    placedRead.get(),
                    errWrite.get(),
                    &target.identity,
                    executableCandidates(argv[0], env),
                    cStrings(args),
                    cStrings(env),
                    target.workingDir.empty() ? "/" : target.workingDir};

  const pid_t joiner = ::fork();
  if (joiner < 0) return failSys(errno, "exec: fork");
  if (joiner == 0) joinAttached(plan);
  placedRead.reset();
  errWrite.reset();
  auto placed = cgroups.addProcess(target.cgroupPath, joiner);
  if (placed) (void)!::write(placedWrite.get(), "1", 1);
  placedWrite.reset();  // without the byte the joiner gives up

  int status = 0;
  while (::waitpid(joiner, &status, 0) < 0 && errno == EINTR) {
  }
  if (!placed) return fail(placed.error().context("exec: join cgroup " + target.cgroupPath));
  AttachedExit exit;
  int execErr = 0;
  if (::read(errRead.get(), &execErr, sizeof execErr) == sizeof execErr) exit.execErrno = execErr;
  exit.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit;
}

}  // namespace podkeeper::runtime
