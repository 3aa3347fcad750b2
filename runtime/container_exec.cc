#include "runtime/container_exec.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"
#include "runtime/container_init.h"
#include "runtime/proc.h"
#include "runtime/syscalls.h"

namespace podkeeper::runtime {
namespace {

constexpr int kAllNamespaces =
    CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

// Everything the forked children need, built before fork: they only make system calls.
struct ExecPlan {
  int pidfd = -1;
  int placedFd = -1;  // one byte once the parent has put the joiner in the cgroup
  int outFd = -1;
  int execErrorFd = -1;   // CLOEXEC: an errno when exec fails
  int commandPidFd = -1;  // the joiner reports the command's pid here
  const ProcessIdentity* identity = nullptr;
  std::vector<std::string> candidates;
  std::vector<char*> argv, envp;
  std::string workingDir;
};

// Before the seccomp filter, which need not allow close_range.
void closeAllBut(int execErrorFd) {
  const unsigned keep = static_cast<unsigned>(execErrorFd);
  if (keep > 3) ::close_range(3, keep - 1, 0);
  ::close_range(keep + 1, ~0U, 0);
}

[[noreturn]] void execCommand(const ExecPlan& p) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int err = 0;
  if (devNull < 0 || ::dup2(devNull, 0) < 0 || ::dup2(p.outFd, 1) < 0 || ::dup2(p.outFd, 2) < 0) {
    err = errno;
  } else if (::chdir(p.workingDir.c_str()) != 0) {
    err = errno;
  } else {
    closeAllBut(p.execErrorFd);
    if (auto r = assumeIdentity(*p.identity); !r) {
      err = r.error().code ? r.error().code : EPERM;
    } else {
      err = ENOENT;
      for (const auto& c : p.candidates) {
        ::execve(c.c_str(), p.argv.data(), p.envp.data());
        if (errno != ENOENT && errno != ENOTDIR) err = errno;
      }
    }
  }
  (void)!::write(p.execErrorFd, &err, sizeof err);
  ::_exit(127);
}

// The joiner: placed in the cgroup by the parent, enters the namespaces (the pid namespace
// takes effect for its children), forks the command, reports its pid, reaps it (so no zombie
// is left to a container init that does not reap) and exits with its status.
[[noreturn]] void joinAndRun(const ExecPlan& p) {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  char c;
  if (::read(p.placedFd, &c, 1) != 1) ::_exit(126);
  if (::setns(p.pidfd, kAllNamespaces) != 0) {
    const int err = errno;
    (void)!::write(p.execErrorFd, &err, sizeof err);
    ::_exit(126);
  }
  const pid_t child = ::fork();
  if (child < 0) ::_exit(126);
  if (child == 0) execCommand(p);
  (void)!::write(p.commandPidFd, &child, sizeof child);
  ::close(p.execErrorFd);
  ::close(p.outFd);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

// Collects output until EOF or the deadline; false on timeout.
bool collectOutput(int fd, std::chrono::milliseconds timeout, size_t maxOutput, std::string& out) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return true;
    const size_t room = maxOutput > out.size() ? maxOutput - out.size() : 0;
    out.append(buf, std::min(room, static_cast<size_t>(got)));
  }
}

std::vector<char*> cStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<StartedExec> startInContainer(const ExecTarget& target, const std::vector<std::string>& argv,
                                     cgroup::CgroupManager& cgroups) {
  if (argv.empty()) return failMsg("exec: empty command");
  auto pidfd = openCheckedPidfd(target.pid, target.pidStartTime);
  if (!pidfd) return fail(pidfd.error().context("exec: container not running"));
  int fds[8];
  for (int i = 0; i < 8; i += 2) {
    if (::pipe2(fds + i, O_CLOEXEC) != 0) {
      for (int j = 0; j < i; ++j) ::close(fds[j]);
      return failSys(errno, "exec: pipe");
    }
  }
  UniqueFd placedRead(fds[0]), placedWrite(fds[1]), outRead(fds[2]), outWrite(fds[3]),
      errRead(fds[4]), errWrite(fds[5]), cmdPidRead(fds[6]), cmdPidWrite(fds[7]);
  std::vector<std::string> args = argv, env = target.env;
  ExecPlan plan{pidfd->get(),
                placedRead.get(),
                outWrite.get(),
                errWrite.get(),
                cmdPidWrite.get(),
                &target.identity,
                executableCandidates(argv[0], env),
                cStrings(args),
                cStrings(env),
                target.workingDir.empty() ? "/" : target.workingDir};

  const pid_t joiner = ::fork();
  if (joiner < 0) return failSys(errno, "exec: fork");
  if (joiner == 0) joinAndRun(plan);
  StartedExec started;
  started.joiner = joiner;
  started.joinerPidfd = UniqueFd(sys::pidfdOpen(joiner));  // our child: no pid reuse yet
  started.output = std::move(outRead);
  started.commandPid = std::move(cmdPidRead);
  started.execError = std::move(errRead);
  started.command = argv[0];
  placedRead.reset();
  outWrite.reset();
  errWrite.reset();
  cmdPidWrite.reset();
  auto placed = cgroups.addProcess(target.cgroupPath, joiner);
  if (placed) (void)!::write(placedWrite.get(), "1", 1);
  placedWrite.reset();  // without the byte the joiner gives up at once
  if (!placed || !started.joinerPidfd.valid()) {
    const int err = errno;
    (void)finishExec(started, "", false);
    if (!placed) return fail(placed.error().context("exec: join cgroup " + target.cgroupPath));
    return failSys(err, "exec: pidfd_open of the joiner");
  }
  return started;
}

void killExec(StartedExec& exec) {
  if (exec.joiner <= 0) return;
  pid_t command = 0;
  pollfd p{exec.commandPid.get(), POLLIN, 0};
  if (exec.commandPid.valid() && ::poll(&p, 1, 0) == 1 &&
      ::read(exec.commandPid.get(), &command, sizeof command) == sizeof command && command > 0) {
    ::kill(command, SIGKILL);
  } else {
    ::kill(exec.joiner, SIGKILL);  // the command, if forked meanwhile, dies with it (PDEATHSIG)
  }
  exec.commandPid.reset();
}

Result<ExecResult> finishExec(StartedExec& exec, std::string output, bool timedOut) {
  if (exec.joiner <= 0) return failMsg("exec: already finished");
  int status = 0;
  while (::waitpid(exec.joiner, &status, 0) < 0 && errno == EINTR) {
  }
  exec.joiner = -1;
  exec.joinerPidfd.reset();
  int execErr = 0;
  if (exec.execError.valid() &&
      ::read(exec.execError.get(), &execErr, sizeof execErr) == sizeof execErr)
    return failSys(execErr, "exec \"" + exec.command + "\" in the container");
  ExecResult outcome;
  outcome.output = std::move(output);
  outcome.timedOut = timedOut;
  outcome.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

Result<ExecResult> runInContainer(const ExecTarget& target, const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout, cgroup::CgroupManager& cgroups,
                                  size_t maxOutput) {
  auto started = startInContainer(target, argv, cgroups);
  if (!started) return fail(started.error());
  std::string output;
  const bool timedOut = !collectOutput(started->output.get(), timeout, maxOutput, output);
  if (timedOut) killExec(*started);
  return finishExec(*started, std::move(output), timedOut);
}

}  // namespace podkeeper::runtime
