#include "runtime/shim/shim.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "common/unique_fd.h"
#include "runtime/bundle/shim_protocol.h"
#include "runtime/bundle/state_json.h"
#include "runtime/cgroup/select/make_manager.h"
#include "runtime/exit_status.h"
#include "runtime/shim/attach.h"
#include "runtime/shim/diagnostics.h"
#include "runtime/shim/relay.h"
#include "runtime/shim/resident.h"
#include "runtime/shim/spawn.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/proc.h"
#include "runtime/sys/start_timeline.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime::shim {
namespace {

// The agent's end of fd 3; closed once the start was reported.
class AgentPipe {
 public:
  void send(const std::string& line) {
    if (open_) (void)!::write(kShimSyncFd, line.data(), line.size());
  }
  void close() {
    if (open_) ::close(kShimSyncFd);
    open_ = false;
  }

 private:
  bool open_ = ::fcntl(kShimSyncFd, F_GETFD) >= 0;
};

// Out of the caller's session and process tree (the agent reaps the intermediate child), and
// into the shims' cgroup without a cgroup.procs write, which would wait out an RCU grace
// period: cloned into its cgroup2 directory, the v1 hierarchies joined by the child itself
// (CgroupManager::openSelfJoin). The raw clone3 is a fork of this single-threaded process.
// A cgroup that cannot be joined is reported in `warning`, not a failure.
bool daemonize(cgroup::CgroupManager& cgroups, const cgroup::CgroupPath& shimCgroup,
               std::string& warning) {
  if (::setsid() < 0) return false;
  auto placement = [&]() -> Result<CgroupPlacement> {
    if (auto r = cgroups.create(shimCgroup); !r) return fail(r.error());
    return CgroupPlacement::open(cgroups, shimCgroup);
  }();
  if (!placement) {
    warning = "cannot join shim cgroup " + shimCgroup + ": " + placement.error().message;
    placement = CgroupPlacement{};
  }
  clone_args args{};
  args.exit_signal = SIGCHLD;
  if (placement->cloneInto.valid()) {
    args.flags = CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(placement->cloneInto.get());
  }
  const long pid = sys::clone3(&args);
  if (pid < 0) return false;
  if (pid > 0) ::_exit(0);
  const std::vector<int> fds = placement->selfJoinFds();
  if (int err = cgroup::joinOwnCgroups(fds.data(), fds.size()); err != 0) {
    warning = "cannot join shim cgroup " + shimCgroup + ": " + std::strerror(err);
  }
  return true;
}

ContainerRecord stateFor(const ShimConfig& cfg, const RunningContainer& c) {
  ContainerRecord rec;
  rec.name = cfg.containerName;
  rec.image = cfg.image;
  rec.cgroupPath = cfg.cgroupPath;
  rec.shimPid = ::getpid();
  rec.shimStartTime = readProcStartTime(rec.shimPid).value_or(0);
  rec.pid = c.pid;
  rec.pidStartTime = readProcStartTime(c.pid).value_or(0);
  rec.startedAtNs = c.startedAtNs;
  rec.restartCount = cfg.restartCount;
  rec.stopSignal = cfg.stopSignal;
  rec.warnings = c.warnings;
  return rec;
}

int supervise(const ShimConfig& cfg, const ContainerPaths& paths, AgentPipe& agent,
              const Diagnostics& diag, StartTimeline& timeline,
              std::unique_ptr<cgroup::CgroupManager> cgroups) {
  auto log = CriLogWriter::open(cfg.logPath, cfg.logMaxBytes, cfg.logMaxFiles);
  if (!log) {
    agent.send(formatShimError(log.error().message));
    return 1;
  }
  timeline.mark("log-open");
  auto container = spawnContainer(cfg, paths, *cgroups, &timeline);
  if (!container) {
    diag.log("start failed: " + container.error().message);
    agent.send(formatShimError(container.error().message));
    return 1;
  }
  const ContainerRecord state = stateFor(cfg, *container);
  // Renamed into place (the agent may read it at any time) but not synced: it describes
  // processes that a power loss ends too.
  if (auto r = replaceFile(paths.state(), encodeContainerRecord(state)); !r) {
    diag.log("cannot write state: " + r.error().message);
  }
  timeline.mark("state-write");
  diag.log("started pid " + std::to_string(container->pid));
  for (const auto& w : container->warnings) diag.log("warning: " + w);
  timeline.mark("diag-log");
  AttachServer attach(diag);
  if (auto r = attach.open(paths.attach(), std::move(container->stdinFd), cfg.tty, cfg.stdinOnce);
      !r) {
    diag.log("warning: no attach: " + r.error().message);
  }
  agent.send(formatShimOk(state.shimPid, state.pid, timeline.format("shim.")));
  agent.close();
  releaseStartupPages();

  auto si = relayUntilExit(*container, *log, diag, paths.logDropped(), &attach);
  if (!si) {
    diag.log("lost the container: " + si.error().message);
    return 1;
  }
  const ExitRecord exit = exitRecordFromWait(
      si->si_code, si->si_status,
      oomKilledBetween(container->oomKillsBefore, cgroupOomKills(*cgroups, cfg.cgroupPath)),
      container->startedAtNs, realtimeNowNs());
  if (auto r = writeFileAtomic(paths.exit(), encodeExitRecord(exit)); !r) {
    diag.log("cannot write exit record: " + r.error().message);
    return 1;
  }
  diag.log("container exited: code " + std::to_string(exit.exitCode) + ", signal " +
           std::to_string(exit.signal) + (exit.oomKilled ? ", OOM killed" : ""));
  return 0;
}

// The shim's life once it runs daemonized in the shims' cgroup and its config was read.
int runBundle(const ShimConfig& cfg, const ContainerPaths& paths, AgentPipe& agent,
              StartTimeline& timeline, std::unique_ptr<cgroup::CgroupManager> cgroups,
              const std::string& cgroupWarning) {
  const Diagnostics diag(paths.shimLog());
  diag.log("shim for " + cfg.sandboxUid + "/" + cfg.containerName);
  if (!cgroupWarning.empty()) diag.log("warning: " + cgroupWarning);
  timeline.mark("diag-open");
  return supervise(cfg, paths, agent, diag, timeline, std::move(cgroups));
}

// The agent's order to a standby shim (shim_protocol.h): the bundle, newline-terminated, with
// the bundle's locked shim.lock passed along. nullopt when the agent closed its end (it exits
// or stops) or sent something else.
struct Order {
  std::string bundle;
  UniqueFd lock;
};
std::optional<Order> receiveOrder() {
  Order order;
  char buf[4096];
  for (;;) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(kShimSyncFd, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      order.lock.reset(fd);
    }
    order.bundle.append(buf, size_t(n));
    if (order.bundle.back() == '\n') break;
    if (order.bundle.size() > 8192) return std::nullopt;
  }
  order.bundle.pop_back();
  if (order.bundle.empty() || order.bundle.find('\n') != std::string::npos) return std::nullopt;
  return order;
}

// Makes /proc/<pid>/cmdline say args, in the space argv's strings take (contiguous), the rest
// zeroed; what does not fit is cut. argv's strings are not used again.
void setCommandLine(int argc, char** argv, std::initializer_list<std::string_view> args) {
  char* const begin = argv[0];
  char* const end = argv[argc - 1] + std::strlen(argv[argc - 1]) + 1;
  std::string text;
  for (const auto a : args) text.append(a).push_back('\0');
  const size_t room = size_t(end - begin);
  std::memset(begin, 0, room);
  std::memcpy(begin, text.data(), std::min(room - 1, text.size()));
}

}  // namespace

int runShim(const std::string& bundle) {
  StartTimeline timeline;
  ::signal(SIGPIPE, SIG_IGN);
  AgentPipe agent;
  const ContainerPaths paths{bundle, ""};  // the writable layer comes from the config
  auto cfg = readShimConfig(paths.config());
  timeline.mark("config-read");
  if (!cfg) {
    agent.send(formatShimError(cfg.error().message));
    return 1;
  }
  auto cgroups = cgroup::makeCgroupManager({cfg->cgroupMountRoot, cfg->cgroupMountinfoPath});
  timeline.mark("cgroup-driver");
  if (!cgroups) {
    agent.send(formatShimError("cgroups: " + cgroups.error().message));
    return 1;
  }
  std::string cgroupWarning;
  if (!daemonize(**cgroups, cfg->shimCgroup, cgroupWarning)) {
    agent.send(formatShimError(Error::sys(errno, "daemonize").message));
    return 1;
  }
  agent.send(formatShimStarted(::getpid()));
  timeline.mark("daemonize+cgroup");
  return runBundle(*cfg, paths, agent, timeline, std::move(*cgroups), cgroupWarning);
}

int runStandby(const StandbyConfig& standby, int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  AgentPipe agent;
  auto cgroups = cgroup::makeCgroupManager({standby.cgroupMountRoot, standby.cgroupMountinfoPath});
  if (!cgroups) {
    agent.send(formatShimError("cgroups: " + cgroups.error().message));
    return 1;
  }
  std::string cgroupWarning;
  if (!daemonize(**cgroups, standby.shimCgroup, cgroupWarning)) {
    agent.send(formatShimError(Error::sys(errno, "daemonize").message));
    return 1;
  }
  agent.send(formatShimStarted(::getpid()));
  releaseStartupPages();
  auto order = receiveOrder();
  if (!order) return 0;  // not needed after all
  StartTimeline timeline;
  setCommandLine(argc, argv, {"podkeeper-shim", "--bundle", order->bundle});
  // Where a spawned shim inherits it (it may have been received there already).
  const bool placed = order->lock.get() == kShimLockFd
                          ? ::fcntl(kShimLockFd, F_SETFD, 0) == 0
                          : order->lock.valid() && ::dup2(order->lock.get(), kShimLockFd) >= 0;
  if (!placed) {
    agent.send(formatShimError("standby shim: no lock for " + order->bundle));
    return 1;
  }
  if (order->lock.get() == kShimLockFd)
    (void)order->lock.release();
  else
    order->lock.reset();
  const ContainerPaths paths{order->bundle, ""};
  auto cfg = readShimConfig(paths.config());
  timeline.mark("config-read");
  if (!cfg) {
    agent.send(formatShimError(cfg.error().message));
    return 1;
  }
  if (cfg->shimCgroup != standby.shimCgroup || cfg->cgroupMountRoot != standby.cgroupMountRoot ||
      cfg->cgroupMountinfoPath != standby.cgroupMountinfoPath) {
    agent.send(formatShimError("standby shim made for cgroup " + standby.shimCgroup + " under " +
                               standby.cgroupMountRoot + ", the bundle wants " + cfg->shimCgroup +
                               " under " + cfg->cgroupMountRoot));
    return 1;
  }
  return runBundle(*cfg, paths, agent, timeline, std::move(*cgroups), cgroupWarning);
}

}  // namespace podkeeper::runtime::shim
