#include "runtime/shim/spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "runtime/cgroup/mountinfo.h"
#include "runtime/init/cgroup_mounts.h"
#include "runtime/init/container_init.h"
#include "runtime/shim/attach.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/proc.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime::shim {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return failSys(errno, "pipe");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// The child until it execs: killed and reaped unless released.
class ChildGuard {
 public:
  ChildGuard(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (pid_ <= 0) return;
    sys::pidfdSendSignal(pidfd_, SIGKILL);
    siginfo_t si{};
    while (::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED) < 0 && errno == EINTR) {
    }
  }
  void release() { pid_ = 0; }

 private:
  pid_t pid_;
  int pidfd_;
};

std::string readHostname(const std::string& sandboxDir) {
  auto text = readWholeFile(sandboxDir + "/hostname");
  if (!text) return "";
  std::string h = *text;
  while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
  return h;
}

// The pins of the namespaces the container joins, opened; the plan holds their numbers.
Result<std::vector<UniqueFd>> openPodNamespaces(const ShimConfig& config, InitPlan& plan) {
  std::vector<UniqueFd> fds;
  for (const auto& kind : config.namespaces) {
    const int type = kind == "net"    ? CLONE_NEWNET
                     : kind == "ipc"  ? CLONE_NEWIPC
                     : kind == "uts"  ? CLONE_NEWUTS
                     : kind == "user" ? CLONE_NEWUSER
                                      : 0;
    if (type == 0) return failMsg("unknown pod namespace \"" + kind + "\"");
    const std::string pin = config.sandboxDir + "/ns/" + kind;
    UniqueFd fd(::open(pin.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return failSys(errno, "open namespace pin " + pin);
    if (type == CLONE_NEWUSER) {  // joined after the mounts, which it idmaps
      if (!config.userNamespaceHostId) return failMsg("user namespace without its host ids");
      plan.userNamespaceFd = plan.rootfs.userNamespaceFd = fd.get();
      plan.rootfs.userNamespaceHostId = *config.userNamespaceHostId;
    } else {
      plan.podNamespaces.push_back({fd.get(), type, kind});
    }
    fds.push_back(std::move(fd));
  }
  return fds;
}

// shareProcessNamespace: the init is born into the pod's pid namespace (setns on a pid
// namespace applies to children only), where the pod's reaper is PID 1.
Result<void> enterPodPidNamespace(const ShimConfig& config) {
  if (!config.sharedPidNamespace) return {};
  const std::string pin = config.sandboxDir + "/ns/pid";
  UniqueFd fd(::open(pin.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, "open pid namespace pin " + pin);
  if (::setns(fd.get(), CLONE_NEWPID) != 0) return failSys(errno, "join the pod's pid namespace");
  return {};
}

// Lowering the score needs CAP_SYS_RESOURCE; without it the container runs with the
// inherited score and the refusal is recorded.
Result<void> setOomScoreAdj(pid_t pid, int value) {
  const std::string path = "/proc/" + std::to_string(pid) + "/oom_score_adj";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  const std::string text = std::to_string(value);
  if (!fd.valid() || ::write(fd.get(), text.data(), text.size()) < 0) {
    return failSys(errno, "oom_score_adj " + text + " not applied");
  }
  return {};
}

// What the host has mounted under the cgroup root; none (and no /sys/fs/cgroup in the
// container) when mountinfo cannot be read.
std::vector<ContainerCgroupMount> cgroupMountsFor(const ShimConfig& config) {
  auto text = readWholeFile(config.cgroupMountinfoPath);
  if (!text) return {};
  auto mounts = cgroup::parseMountinfo(*text);
  if (!mounts) return {};
  return containerCgroupMounts(*mounts, config.cgroupMountRoot);
}

// What the init needs from the config; descriptors are filled in by the caller.
InitPlan initPlanFor(const ShimConfig& config, const ContainerPaths& paths,
                     ProcessIdentity identity) {
  InitPlan plan;
  plan.rootfs.lowerDirs = config.lowerDirs;
  plan.rootfs.upperDir = config.upperDir;
  plan.rootfs.workDir = config.workDir;
  plan.rootfs.mergedDir = paths.rootfs();
  plan.rootfs.sandboxDir = config.sandboxDir;
  plan.rootfs.privileged = config.privileged;
  plan.rootfs.unmaskedProc = config.unmaskedProc;
  plan.rootfs.workingDir = config.workingDir;
  plan.argv = config.argv;
  plan.env = config.env;
  plan.workingDir = config.workingDir;
  plan.hostname = readHostname(config.sandboxDir);
  plan.identity = std::move(identity);
  plan.rootfs.cgroupMounts = cgroupMountsFor(config);
  plan.newPidNamespace = !config.hostPID && !config.sharedPidNamespace;
  plan.rootfs.readOnly = config.readOnlyRootfs;
  for (const auto& m : config.mounts)
    plan.rootfs.mounts.push_back({m.source, m.destination, m.readOnly, m.subPath, m.name,
                                  m.propagation, m.recursiveReadOnly, m.imageLayers});
  return plan;
}

// New mount (and unless hostPID, pid) namespaces; with a cgroup fd, born in that cgroup2
// directory. When that is all of its cgroup (v2), its cgroup namespace is made at birth too;
// otherwise the init joins the v1 hierarchies itself and then unshares it. The child runs
// the init and never returns.
Result<pid_t> cloneInit(const InitPlan& plan, int cgroupFd, int& pidfd) {
  clone_args args{};
  args.flags = CLONE_NEWNS | CLONE_PIDFD | (plan.newPidNamespace ? CLONE_NEWPID : 0);
  if (cgroupFd >= 0) {
    args.flags |= CLONE_INTO_CGROUP | (plan.unshareCgroupNs ? 0 : CLONE_NEWCGROUP);
    args.cgroup = static_cast<uint64_t>(cgroupFd);
  }
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  const long pid = sys::clone3(&args);
  if (pid < 0 && errno == ENOMEM && !plan.newPidNamespace) {
    return failSys(errno, "clone3 container init (has the pod's pid namespace lost its init?)");
  }
  if (pid < 0) return failSys(errno, "clone3 container init");
  if (pid == 0) runContainerInit(plan);
  return static_cast<pid_t>(pid);
}

}  // namespace

std::optional<uint64_t> cgroupOomKills(cgroup::CgroupManager& cgroups,
                                       const cgroup::CgroupPath& path) {
  auto s = cgroups.stats(path);
  return s ? s->memory.oomKills : std::nullopt;
}

Result<CgroupPlacement> CgroupPlacement::open(cgroup::CgroupManager& cgroups,
                                              const cgroup::CgroupPath& path) {
  auto dir = cgroups.openForCloneInto(path);
  if (!dir) return fail(dir.error());
  CgroupPlacement p;
  p.cloneInto.reset(dir->value_or(-1));
  auto tasks = cgroups.openSelfJoin(path);
  if (!tasks) return fail(tasks.error());
  p.selfJoin = std::move(*tasks);
  return p;
}

std::vector<int> CgroupPlacement::selfJoinFds() const {
  std::vector<int> fds;
  for (const auto& fd : selfJoin) fds.push_back(fd.get());
  return fds;
}

Result<RunningContainer> spawnContainer(const ShimConfig& config, const ContainerPaths& paths,
                                        cgroup::CgroupManager& cgroups, StartTimeline* timeline) {
  const auto mark = [timeline](const char* stage) {
    if (timeline) timeline->mark(stage);
  };
  auto identity = identityFor(config);
  mark("identity");
  if (!identity) return fail(identity.error());
  auto out = makePipe(), err = makePipe(), execError = makePipe(), placed = makePipe();
  for (auto* p : {&out, &err, &execError, &placed}) {
    if (!*p) return fail(p->error());
  }
  auto in = openContainerStdin(config);
  if (!in) return fail(in.error());
  // Placed without cgroup.procs writes, which wait out an RCU grace period each.
  auto placement = CgroupPlacement::open(cgroups, config.cgroupPath);
  if (!placement) return fail(placement.error().context("cgroup " + config.cgroupPath));
  const UniqueFd& cgroupFd = placement->cloneInto;
  mark("pipes+cgroup-fd");

  InitPlan plan = initPlanFor(config, paths, std::move(*identity));
  auto ns = openPodNamespaces(config, plan);
  if (!ns) return fail(ns.error());
  if (auto r = enterPodPidNamespace(config); !r) return fail(r.error());
  plan.placedFd = placed->read.get();
  plan.cgroupJoinFds = placement->selfJoinFds();
  plan.unshareCgroupNs = !placement->selfJoin.empty() || !cgroupFd.valid();
  plan.stdinFd = in->child.get();
  plan.stdoutFd = config.tty ? in->child.get() : out->write.get();
  plan.stderrFd = config.tty ? in->child.get() : err->write.get();
  plan.controllingTerminal = config.tty;
  plan.execErrorFd = execError->write.get();
  mark("init-plan");

  RunningContainer c;
  int pidfd = -1;
  auto pid = cloneInit(plan, cgroupFd.get(), pidfd);
  if (!pid) return fail(pid.error());
  c.pid = *pid;
  c.pidfd.reset(pidfd);
  c.startedAtNs = realtimeNowNs();
  ChildGuard guard(c.pid, pidfd);
  for (auto* end : {&out->write, &err->write, &execError->write, &placed->read, &in->child})
    end->reset();
  mark("clone3");

  placement->selfJoin.clear();
  if (config.oomScoreAdj) {
    if (auto r = setOomScoreAdj(c.pid, *config.oomScoreAdj); !r) {
      c.warnings.push_back(r.error().message);
    }
  }
  mark("oom-score");
  // Before the command runs (an OOM kill after this is the container's), and while the init,
  // on the other core, makes its mounts: off the start's critical path.
  c.oomKillsBefore = cgroupOomKills(cgroups, config.cgroupPath);
  mark("oom-count");
  if (::write(placed->write.get(), "1", 1) != 1) {
    const int err = errno;
    // The init gave up before it waited to be released (a mount it refused): its own error,
    // already on execError, says why; the broken pipe does not.
    if (auto r = readExecFailure(execError->read.get(), "container init"); !r)
      return fail(r.error());
    return failSys(err, "release container init");
  }
  if (auto r = readExecFailure(execError->read.get(), "container init"); !r) return fail(r.error());
  mark("init-until-exec");
  guard.release();
  c.stdoutFd = config.tty ? std::move(in->ptyMaster) : std::move(out->read);
  if (!config.tty) c.stderrFd = std::move(err->read);
  c.stdinFd = std::move(in->shimInput);
  return c;
}

}  // namespace podkeeper::runtime::shim
