#include "runtime/bundle/shim_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/thread_priority.h"
#include "common/unique_fd.h"
#include "runtime/bundle/shim_protocol.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime {
namespace {

// Reads reports until one is complete (or, with untilStarted, says the shim's pid), the pipe
// closes or the deadline passes.
ShimReport readReport(int fd, std::chrono::milliseconds timeout, bool& timedOut,
                      bool untilStarted = false) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  ShimReport report;
  timedOut = false;
  while (!report.complete() && !(untilStarted && report.shimPid)) {
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

// The bundle's shim.lock, opened and locked for the shim to inherit (see kShimLockFd).
Result<UniqueFd> lockBundle(const std::string& lockPath) {
  UniqueFd lock(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid()) return failSys(errno, "open " + lockPath);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
    return failSys(errno, "lock " + lockPath + " (a shim for this container is still alive)");
  return lock;
}

// "bundle\n" with the lock's fd attached.
bool sendOrder(int socket, const std::string& bundle, int lock) {
  const std::string line = bundle + "\n";
  iovec iov{const_cast<char*>(line.data()), line.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &lock, sizeof lock);
  ssize_t n;
  do {
    n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == ssize_t(line.size());
}

// Spawns the shim with args, /dev/null on 0-2, childEnd on kShimSyncFd and lock (when valid)
// on kShimLockFd; reads its reports on agentEnd until complete (untilStarted: until it said
// its pid); kills it on timeout; reaps the intermediate process, whose exit status is kept.
struct Spawned {
  ShimReport report;
  bool timedOut = false;
  int status = 0;
};
Result<Spawned> spawnAndRead(const SealedBinary& shim, std::vector<std::string> args,
                             UniqueFd childEnd, int agentEnd, const UniqueFd& lock,
                             std::chrono::milliseconds timeout, bool untilStarted) {
  UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull.valid()) return failSys(errno, "open /dev/null");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int null = devNull.get();
  const int childFds[] = {null, null, null, childEnd.get(), lock.get()};
  static_assert(kShimSyncFd == 3 && kShimLockFd == 4);
  const pid_t child =
      shim.spawnWithFds(std::span(childFds, lock.valid() ? 5 : 4), argv.data(), environ);
  if (child < 0) return failSys(errno, "spawn shim");
  childEnd.reset();
  Spawned out;
  out.report = readReport(agentEnd, timeout, out.timedOut, untilStarted);
  if (out.timedOut) {
    ::kill(child, SIGKILL);
    if (out.report.shimPid) ::kill(*out.report.shimPid, SIGKILL);
  }
  while (::waitpid(child, &out.status, 0) < 0 && errno == EINTR) {
  }
  return out;
}

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
  // The shim inherits the lock on kShimLockFd and holds it for life: a restarted agent can
  // tell a shim still starting (no state.json yet) from a start that never happened.
  UniqueFd lock;
  if (!lockPath.empty()) {
    auto locked = lockBundle(lockPath);
    if (!locked) return fail(locked.error());
    lock = std::move(*locked);
  }
  auto spawned = spawnAndRead(shim, {"podkeeper-shim", mode, dir}, std::move(syncWrite),
                              syncRead.get(), lock, timeout, false);
  if (!spawned) return fail(spawned.error());
  const auto& [report, timedOut, status] = *spawned;
  if (report.shimPid) shimPid = *report.shimPid;
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

ShimStandby::ShimStandby(const SealedBinary& shim, Config config)
    : shim_(shim), config_(std::move(config)) {}

ShimStandby::~ShimStandby() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Each waiting shim reads EOF and exits; wait a little for each (their cgroup empties).
  std::deque<Waiting> left = std::move(waiting_);
  for (auto& w : left) w.socket.reset();
  for (auto& w : left) {
    pollfd p{w.pidfd.get(), POLLIN, 0};
    if (w.pidfd.valid()) (void)::poll(&p, 1, 1000);
  }
}

std::vector<pid_t> ShimStandby::waiting() const {
  std::lock_guard lock(mu_);
  std::vector<pid_t> pids;
  for (const auto& w : waiting_) pids.push_back(w.pid);
  return pids;
}

void ShimStandby::refill() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || config_.capacity == 0) return;
    wanted_ = true;
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  changed_.notify_all();
}

void ShimStandby::run() {
  resetThisThreadPriority();  // made from whichever thread asked first
  std::unique_lock lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || wanted_; });
    if (stopping_) return;
    if (waiting_.size() >= config_.capacity) {
      wanted_ = false;
      continue;
    }
    starting_ = true;
    lock.unlock();
    auto made = startOne();
    lock.lock();
    starting_ = false;
    if (made) waiting_.push_back(std::move(*made));
    // One that could not start is not retried until the next start asks again.
    if (!made) wanted_ = false;
    changed_.notify_all();
  }
}

std::optional<ShimStandby::Waiting> ShimStandby::startOne() const {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return std::nullopt;
  UniqueFd agentEnd(fds[0]), shimEnd(fds[1]);
  std::vector<std::string> args{"podkeeper-shim", "--standby", config_.shim.cgroupMountRoot,
                                config_.shim.cgroupMountinfoPath, config_.shim.shimCgroup};
  // Room for "podkeeper-shim\0--bundle\0<bundle>\0" (runStandby rewrites its command line).
  const size_t need = args[0].size() + 1 + 9 + config_.bundleRoom + 1;
  size_t have = 1 + 1;  // the padding's first character and its NUL
  for (const auto& a : args) have += a.size() + 1;
  args.emplace_back(need > have ? need - have : 1, ' ');
  auto spawned = spawnAndRead(shim_, std::move(args), std::move(shimEnd), agentEnd.get(),
                              UniqueFd(), config_.timeout, true);
  if (!spawned) return std::nullopt;
  const auto& [report, timedOut, status] = *spawned;
  if (timedOut || report.error || !report.shimPid) return std::nullopt;
  // It waits for its order: the pid stays its until the socket closes.
  return Waiting{std::move(agentEnd), UniqueFd(sys::pidfdOpen(*report.shimPid)), *report.shimPid};
}

std::optional<Result<ShimStarted>> ShimStandby::handOver(const std::string& bundle,
                                                         pid_t& shimPid) {
  std::optional<Waiting> w;
  {
    std::unique_lock lock(mu_);
    // One being started is nearer than a new spawn, for one start; in a burst the others
    // launch their own rather than queue behind the one thread.
    if (waiting_.empty() && starting_ && !claimed_) {
      claimed_ = true;
      changed_.wait_for(lock, config_.timeout, [&] { return !starting_ || !waiting_.empty(); });
      claimed_ = false;
    }
    if (waiting_.empty()) return std::nullopt;
    w = std::move(waiting_.front());
    waiting_.pop_front();
  }
  auto lock = lockBundle(bundle + "/shim.lock");
  if (!lock) return Result<ShimStarted>(fail(lock.error()));
  // Gone since it was made (killed): the caller launches one instead.
  if (!sendOrder(w->socket.get(), bundle, lock->get())) return std::nullopt;
  shimPid = w->pid;
  lock->reset();  // the shim holds it now
  bool timedOut = false;
  const ShimReport report = readReport(w->socket.get(), config_.timeout, timedOut);
  if (timedOut) {
    ::kill(w->pid, SIGKILL);
    return Result<ShimStarted>(
        failMsg("shim did not report within " + std::to_string(config_.timeout.count()) + " ms"));
  }
  if (report.error) return Result<ShimStarted>(failMsg(*report.error));
  if (!report.containerPid)
    return Result<ShimStarted>(failMsg("standby shim " + std::to_string(w->pid) +
                                       " exited without reporting; see " + bundle + "/shim.log"));
  return Result<ShimStarted>(ShimStarted{w->pid, *report.containerPid, report.timeline});
}

bool shimHoldsBundle(const std::string& bundle) {
  const std::string lockPath = bundle + "/shim.lock";
  UniqueFd lock(::open(lockPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (!lock.valid()) return false;
  // Our own open file description: it conflicts with the shim's lock even in this process.
  return ::flock(lock.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

}  // namespace podkeeper::runtime
