#include "runtime/bundle/shim_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"
#include "runtime/bundle/shim_protocol.h"

namespace podkeeper::runtime {
namespace {

// Reads reports until one is complete, the pipe closes or the deadline passes.
ShimReport readReport(int fd, std::chrono::milliseconds timeout, bool& timedOut) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  ShimReport report;
  timedOut = false;
  while (!report.complete()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[512];
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buf, static_cast<size_t>(got));
    report = parseShimReport(text);
  }
  return report;
}

Result<ShimStarted> launch(const SealedBinary& shim, const std::string& mode,
                           const std::string& dir, const std::string& lockPath,
                           const std::string& hint, std::chrono::milliseconds timeout,
                           pid_t& shimPid);

}  // namespace

Result<ShimStarted> launchShim(const SealedBinary& shim, const std::string& bundle,
                               std::chrono::milliseconds timeout, pid_t& shimPid) {
  return launch(shim, "--bundle", bundle, bundle + "/shim.lock", "; see " + bundle + "/shim.log",
                timeout, shimPid);
}

Result<ShimStarted> launchPidReaper(const SealedBinary& shim, const std::string& nsDir,
                                    std::chrono::milliseconds timeout, pid_t& reaperPid) {
  return launch(shim, "--pid-reaper", nsDir, "", "", timeout, reaperPid);
}

namespace {

Result<ShimStarted> launch(const SealedBinary& shim, const std::string& mode,
                           const std::string& dir, const std::string& lockPath,
                           const std::string& hint, std::chrono::milliseconds timeout,
                           pid_t& shimPid) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return failSys(errno, "pipe");
  UniqueFd syncRead(fds[0]), syncWrite(fds[1]);
  UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull.valid()) return failSys(errno, "open /dev/null");
  // The shim inherits the lock on kShimLockFd and holds it for life: a restarted agent can
  // tell a shim still starting (no state.json yet) from a start that never happened.
  UniqueFd lock;
  if (!lockPath.empty()) {
    lock.reset(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock.valid()) return failSys(errno, "open " + lockPath);
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
      return failSys(errno, "lock " + lockPath + " (a shim for this container is still alive)");
  }
  std::string arg0 = "podkeeper-shim", arg1 = mode, arg2 = dir;
  char* const argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  const int null = devNull.get();
  // 0-2 /dev/null, kShimSyncFd, and kShimLockFd when there is a lock to hand on.
  const int childFds[] = {null, null, null, syncWrite.get(), lock.get()};
  static_assert(kShimSyncFd == 3 && kShimLockFd == 4);

  const pid_t child = shim.spawnWithFds(std::span(childFds, lock.valid() ? 5 : 4), argv, environ);
  if (child < 0) return failSys(errno, "spawn shim");
  syncWrite.reset();

  bool timedOut = false;
  const ShimReport report = readReport(syncRead.get(), timeout, timedOut);
  if (report.shimPid) shimPid = *report.shimPid;
  if (timedOut) {
    ::kill(child, SIGKILL);
    if (report.shimPid) ::kill(*report.shimPid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) {
    return failMsg("shim did not report within " + std::to_string(timeout.count()) + " ms");
  }
  if (report.error) return failMsg(*report.error);
  if (!report.containerPid) {
    return failMsg("shim " + shim.source() + " " + mode + " (exit status " +
                   std::to_string(status) + ") exited without reporting" + hint);
  }
  return ShimStarted{*report.shimPid, *report.containerPid, report.timeline};
}

}  // namespace

bool shimHoldsBundle(const std::string& bundle) {
  const std::string lockPath = bundle + "/shim.lock";
  UniqueFd lock(::open(lockPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (!lock.valid()) return false;
  // Our own open file description: it conflicts with the shim's lock even in this process.
  return ::flock(lock.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

}  // namespace podkeeper::runtime
