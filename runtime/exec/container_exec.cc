#include "runtime/exec/container_exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/thread_priority.h"
#include "common/unique_fd.h"
#include "runtime/exec/join_plan.h"
#include "runtime/init/container_command.h"
#include "runtime/sys/proc.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime {
namespace {

struct Channel {
  UniqueFd read, write;
};

Result<Channel> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return failSys(errno, "exec: pipe");
  return Channel{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The plan goes over a socket, so a joiner gone meanwhile is EPIPE, not SIGPIPE.
Result<Channel> makePlanSocket() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return failSys(errno, "exec: socketpair");
  }
  return Channel{UniqueFd(fds[1]), UniqueFd(fds[0])};
}

Result<void> sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failSys(errno, "exec: send the join plan");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// In the forked child, async-signal-safe: becomes the joiner, or reports why not. It dies with
// the thread that started it (the mark survives the exec of an ordinary binary) and gives up
// at once if its starter is gone already.
[[noreturn]] void execJoiner(const SealedBinary& shim, const std::array<int, 7>& fds, pid_t parent,
                             ExecFailure& failure) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (::getppid() != parent) ::_exit(126);
  resetThisThreadPriority();  // forked on the loop thread: the command gets the agent's own
  static char arg0[] = "podkeeper-shim", arg1[] = "--join";
  char* const argv[] = {arg0, arg1, nullptr};
  char* const envp[] = {nullptr};
  shim.execWithFds(fds, argv, envp);
  failure.err = errno;
  (void)!::write(kJoinErrorFd, &failure, sizeof failure);
  ::_exit(127);
}

struct JoinerEnd {
  int status = 0;
  std::optional<Error> execError;
};

JoinerEnd waitJoiner(StartedExec& exec) {
  JoinerEnd end;
  while (::waitpid(exec.joiner, &end.status, 0) < 0 && errno == EINTR) {
  }
  exec.joiner = -1;
  exec.joinerPidfd.reset();
  if (exec.execError.valid()) {
    if (auto r = readExecFailure(exec.execError.get(), "the joiner"); !r) end.execError = r.error();
    exec.execError.reset();
  }
  return end;
}

int exitCodeOf(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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

}  // namespace

Result<StartedExec> startJoiner(const SealedBinary& shim, const ExecTarget& target,
                                const std::vector<std::string>& argv,
                                cgroup::CgroupManager& cgroups, ExecStdio stdio) {
  if (argv.empty()) return failMsg("exec: empty command");
  auto pidfd = openCheckedPidfd(target.pid, target.pidStartTime);
  if (!pidfd) return fail(pidfd.error().context("exec: container not running"));
  auto plan = makePlanSocket();
  if (!plan) return fail(plan.error());
  auto commandPid = makePipe(), execError = makePipe();
  for (auto* p : {&commandPid, &execError}) {
    if (!*p) return fail(p->error());
  }
  const std::string planText = encodeJoinPlan(
      {argv, target.env, target.workingDir.empty() ? "/" : target.workingDir, target.identity});
  ExecFailure failure;
  std::strncpy(failure.message, ("exec " + shim.source() + " --join from its sealed copy").c_str(),
               sizeof failure.message - 1);
  const std::array<int, 7> fds = {stdio.in,
                                  stdio.out,
                                  stdio.err,
                                  plan->write.get(),
                                  commandPid->write.get(),
                                  pidfd->get(),
                                  execError->write.get()};
  static_assert(kJoinPlanFd == 3 && kJoinCommandPidFd == 4 && kJoinTargetFd == 5 &&
                kJoinErrorFd == 6);

  const pid_t self = ::getpid();
  const pid_t joiner = ::fork();
  if (joiner < 0) return failSys(errno, "exec: fork");
  if (joiner == 0) execJoiner(shim, fds, self, failure);
  StartedExec started;
  started.joiner = joiner;
  started.joinerPidfd = UniqueFd(sys::pidfdOpen(joiner));  // our child: no pid reuse yet
  started.commandPid = std::move(commandPid->read);
  started.execError = std::move(execError->read);
  started.command = argv[0];
  plan->write.reset();
  commandPid->write.reset();
  execError->write.reset();
  // No plan, no join: without it the joiner exits at once.
  auto placed = cgroups.addProcess(target.cgroupPath, joiner);
  Result<void> sent = placed ? sendAll(plan->read.get(), planText) : Result<void>{};
  plan->read.reset();
  if (!placed || !sent || !started.joinerPidfd.valid()) {
    const int err = errno;
    (void)finishExec(started, "", false);
    if (!placed) return fail(placed.error().context("exec: join cgroup " + target.cgroupPath));
    if (!sent) return fail(sent.error());
    return failSys(err, "exec: pidfd_open of the joiner");
  }
  return started;
}

Result<StartedExec> startInContainer(const SealedBinary& shim, const ExecTarget& target,
                                     const std::vector<std::string>& argv,
                                     cgroup::CgroupManager& cgroups) {
  auto output = makePipe();
  if (!output) return fail(output.error());
  const UniqueFd devNull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!devNull.valid()) return failSys(errno, "exec: open /dev/null");
  auto started = startJoiner(shim, target, argv, cgroups,
                             {devNull.get(), output->write.get(), output->write.get()});
  if (!started) return fail(started.error());
  started->output = std::move(output->read);
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
  const JoinerEnd end = waitJoiner(exec);
  if (end.execError) return fail(*end.execError);
  ExecResult outcome;
  outcome.output = std::move(output);
  outcome.timedOut = timedOut;
  outcome.exitCode = exitCodeOf(end.status);
  return outcome;
}

Result<ExecResult> runInContainer(const SealedBinary& shim, const ExecTarget& target,
                                  const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout, cgroup::CgroupManager& cgroups,
                                  size_t maxOutput) {
  auto started = startInContainer(shim, target, argv, cgroups);
  if (!started) return fail(started.error());
  std::string output;
  const bool timedOut = !collectOutput(started->output.get(), timeout, maxOutput, output);
  if (timedOut) killExec(*started);
  return finishExec(*started, std::move(output), timedOut);
}

Result<AttachedExit> runAttached(const SealedBinary& shim, const ExecTarget& target,
                                 const std::vector<std::string>& argv,
                                 cgroup::CgroupManager& cgroups, ExecStdio stdio) {
  auto started = startJoiner(shim, target, argv, cgroups, stdio);
  if (!started) return fail(started.error());
  const JoinerEnd end = waitJoiner(*started);
  return AttachedExit{exitCodeOf(end.status), end.execError};
}

}  // namespace podkeeper::runtime
