#include "runtime/sandbox/namespace_pins.h"

#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "common/unique_fd.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/sandbox/user_namespace_ids.h"

namespace podkeeper::runtime {
namespace {

// What the helper child reports when a step fails: the step, its errno, and for sysctls
// which one.
struct HelperFailure {
  int step = 0;
  int err = 0;
  size_t index = 0;
};
constexpr const char* kHelperSteps[] = {
    "", "unshare", "sethostname", "bring up lo", "write sysctl", "", "unshare user", "pin"};
constexpr int kUserNamespaceMade = 5;  // not a failure: the parent writes the id maps now
constexpr int kPinStep = 7;
constexpr const char* kHelperName = "podkeeper-ns";  // its comm (NamespaceStandby)

// Writes the maps of the helper's new user namespace (as its parent, which holds CAP_SETUID
// and CAP_SETGID over it, so setgroups stays allowed inside).
Result<void> writeIdMaps(pid_t helper, uint32_t hostId) {
  const std::string line = userNamespaceMapLine(hostId);
  for (const char* map : {"uid_map", "gid_map"}) {
    const std::string path = "/proc/" + std::to_string(helper) + "/" + map;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return failSys(errno, "open " + path);
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      return failSys(errno, "write \"" + line.substr(0, line.size() - 1) + "\" to " + path);
  }
  return {};
}

// Everything the helper does, prepared before the clone so the child only makes system calls.
struct HelperPlan {
  std::optional<uint32_t> userHostId;  // a new user namespace first, owning the others
  int unshareFlags = 0;
  std::string hostname;  // set when the uts namespace is new
  bool loopback = false;
  std::vector<std::pair<std::string, std::string>> sysctlWrites;  // path, value
  // A standby helper (NamespaceStandby): reports once the namespaces are made, then waits on
  // `mapped` for its order; the pod's fields (hostname, sysctlWrites, pins) are filled in by
  // the taker before it.
  bool waitForOrder = false;
  // Without a user namespace the helper pins its namespaces itself (it may mount in the
  // agent's mount namespace), while the worker writes the pod's files and cgroup: pinDir (made
  // by the parent) a shared bind of itself unless pinDirMounted, then each pin file bound from
  // the helper's own /proc/self/ns/<kind>. Empty pinDir: the parent pins (finish).
  std::string pinDir;
  bool pinDirMounted = false;
  std::vector<std::string> pinFiles, pinSources;  // nsDir/<kind>, /proc/self/ns/<kind>
};

int writeSysctl(const std::string& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const ssize_t n = ::write(fd, value.data(), value.size());
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  return err;
}

int bringUpLoopback() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return errno;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) return errno;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0) return errno;
  return 0;
}

// The user namespace first, so that it owns the namespaces made next; its parent writes the
// id maps while the helper waits on `mapped`.
HelperFailure enterNewUserNamespace(int report, int mapped) {
  if (::unshare(CLONE_NEWUSER) != 0) return {6, errno, 0};
  const HelperFailure made{kUserNamespaceMade, 0, 0};
  char c;
  if (::write(report, &made, sizeof made) != sizeof made || ::read(mapped, &c, 1) != 1) ::_exit(1);
  return {};
}

// Runs in the helper child, which shares the agent's memory: only system calls. Reports a failure
// (or step 0 for ready) on `report`, then waits for `release` to close before exiting.
// Keeps only the descriptors in `keep` (its own copy of the table: no CLONE_FILES).
void closeAllBut(std::array<int, 3> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 0;
  for (int fd : keep) {
    if (fd > int(from)) ::close_range(from, unsigned(fd) - 1, 0);
    from = unsigned(fd) + 1;
  }
  ::close_range(from, ~0U, 0);
}

// The namespaces themselves: what no pod setting changes.
HelperFailure makeNamespaces(int report, int mapped, const HelperPlan& plan) {
  if (plan.userHostId) {
    if (HelperFailure f = enterNewUserNamespace(report, mapped); f.step != 0) return f;
  }
  if (plan.unshareFlags != 0 && ::unshare(plan.unshareFlags) != 0) return {1, errno, 0};
  if (int err = plan.loopback ? bringUpLoopback() : 0; err != 0) return {3, err, 0};
  return {};
}

// The pod's settings in them.
HelperFailure settleNamespaces(const HelperPlan& plan) {
  if (!plan.hostname.empty() && ::sethostname(plan.hostname.data(), plan.hostname.size()) != 0)
    return {2, errno, 0};
  for (size_t i = 0; i < plan.sysctlWrites.size(); ++i) {
    const auto& [path, value] = plan.sysctlWrites[i];
    if (int e = writeSysctl(path, value); e != 0) return {4, e, i};
  }
  return {};
}

// The namespaces pinned by the helper itself; a failure's index is the pin's, or -1 for
// pinDir's own mounts. The helper exits once it reported: the pins hold the namespaces.
HelperFailure pinOwnNamespaces(const HelperPlan& plan) {
  const char* dir = plan.pinDir.c_str();
  constexpr size_t kDirItself = ~size_t(0);
  if (!plan.pinDirMounted && ::mount(dir, dir, nullptr, MS_BIND, nullptr) != 0)
    return {kPinStep, errno, kDirItself};
  if (::mount(nullptr, dir, nullptr, MS_SHARED, nullptr) != 0) return {kPinStep, errno, kDirItself};
  for (size_t i = 0; i < plan.pinFiles.size(); ++i) {
    const int fd = ::open(plan.pinFiles[i].c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd < 0) return {kPinStep, errno, i};
    ::close(fd);
    if (::mount(plan.pinSources[i].c_str(), plan.pinFiles[i].c_str(), nullptr, MS_BIND, nullptr) !=
        0)
      return {kPinStep, errno, i};
  }
  return {};
}

[[noreturn]] void helperMain(int report, int release, int mapped, pid_t agent,
                             const HelperPlan& plan) {
  // Dies with the agent, and holds nothing of the agent's meanwhile: a helper outliving an
  // agent killed mid-start kept its state directory's lock, its listening sockets and the
  // release pipe's write end (so it never saw EOF), and the next agent could not start.
  // A standby's parent thread may end before it is taken (a pod's own helper has its parent
  // waiting for it): a standby goes with the agent through its order socket instead, which
  // reads EOF once the agent's end is closed, at the latest when the agent exits.
  if (!plan.waitForOrder) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != agent) ::_exit(1);
  // Its own name (its command line is the agent's: the memory is): one waiting for a pod lives
  // as long as the agent, and `ps` tells it from a second agent.
  ::prctl(PR_SET_NAME, kHelperName);
  closeAllBut({report, release, mapped});
  HelperFailure f = makeNamespaces(report, mapped, plan);
  if (f.step == 0 && plan.waitForOrder) {
    (void)!::write(report, &f, sizeof f);
    char c;
    if (::read(mapped, &c, 1) != 1) ::_exit(0);  // not taken: its standby went away
  }
  if (f.step == 0) f = settleNamespaces(plan);
  const bool pinsItself = !plan.pinDir.empty();
  if (f.step == 0 && pinsItself) f = pinOwnNamespaces(plan);
  (void)!::write(report, &f, sizeof f);
  char c;
  if (!pinsItself || f.step != 0) (void)!::read(release, &c, 1);
  ::_exit(0);
}

struct HelperArgs {
  int report, release, mapped;
  pid_t agent;
  const HelperPlan* plan;
};

int helperEntry(void* arg) {
  const auto* a = static_cast<const HelperArgs*>(arg);
  helperMain(a->report, a->release, a->mapped, a->agent, *a->plan);
}

constexpr size_t kHelperStackBytes = 64 * 1024;

// The helper child: killed and reaped when this goes out of scope. Cloned with CLONE_VM, not
// forked: it runs on a stack of its own in the agent's memory, so no page tables are copied
// for it and none are torn down at its exit (about 2 ms of a sandbox's start). It makes only
// system calls, with every signal blocked, and is dead before its stack and arguments go.
class NamespaceHelper {
 public:
  // Clones the helper, which starts on the plan at once (kept here: the child reads it);
  // ready() waits for it.
  static Result<void> launch(std::unique_ptr<HelperPlan> plan,
                             std::optional<NamespaceHelper>& out) {
    int report[2], release[2], mapped[2];
    if (::pipe2(report, O_CLOEXEC) != 0) return failSys(errno, "pipe");
    UniqueFd reportRead(report[0]), reportWrite(report[1]);
    if (::pipe2(release, O_CLOEXEC) != 0) return failSys(errno, "pipe");
    UniqueFd releaseRead(release[0]), releaseWrite(release[1]);
    // A socket, written with MSG_NOSIGNAL: a standby helper may be gone when its order comes.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mapped) != 0)
      return failSys(errno, "socketpair");
    UniqueFd mappedRead(mapped[0]), mappedWrite(mapped[1]);
    auto args = std::make_unique<HelperArgs>(
        HelperArgs{reportWrite.get(), releaseRead.get(), mappedRead.get(), ::getpid(), plan.get()});
    auto stack = std::make_unique<char[]>(kHelperStackBytes);
    sigset_t all, caller;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &caller);
    const pid_t pid =
        ::clone(helperEntry, stack.get() + kHelperStackBytes, CLONE_VM | SIGCHLD, args.get());
    const int err = errno;
    ::pthread_sigmask(SIG_SETMASK, &caller, nullptr);
    if (pid < 0) return failSys(err, "clone namespace helper");
    out.emplace(NamespaceHelper(pid, std::move(releaseWrite), std::move(reportRead),
                                std::move(mappedWrite), std::move(stack), std::move(args),
                                std::move(plan)));
    return {};
  }
  // Waits until the helper made the namespaces (writing the id maps of a new user namespace
  // when it asks) and, but for a standby's first report, applied the pod's settings: an error
  // names the step that failed.
  Result<void> ready() {
    const HelperPlan& plan = *plan_;
    HelperFailure f;
    if (::read(report_.get(), &f, sizeof f) != sizeof f) {
      return failMsg("namespace helper died before reporting");
    }
    if (f.step == kUserNamespaceMade) {
      if (auto r = writeIdMaps(pid_, *plan.userHostId); !r) return fail(r.error());
      if (::send(mapped_.get(), "m", 1, MSG_NOSIGNAL) != 1)
        return failSys(errno, "release the helper");
      if (::read(report_.get(), &f, sizeof f) != sizeof f)
        return failMsg("namespace helper died before reporting");
    }
    if (f.step == 4) {
      const auto& [path, value] = plan.sysctlWrites[f.index];
      return failSys(f.err, "sysctl " + path + " = \"" + value + "\"");
    }
    if (f.step == kPinStep) {
      if (f.index >= plan.pinFiles.size())
        return failSys(f.err, "make " + plan.pinDir + " a shared bind mount of itself");
      return failSys(f.err, "pin " + plan.pinSources[f.index] + " onto " + plan.pinFiles[f.index]);
    }
    if (f.step != 0)
      return failSys(f.err, std::string("namespace helper: ") + kHelperSteps[f.step]);
    return {};
  }
  // A standby's order: once it made its namespaces (its first report), the pod's hostname and
  // sysctls, written into the plan it reads before it is told to go on.
  Result<void> order(const HelperPlan& pod) {
    if (auto r = ready(); !r) return r;
    plan_->hostname = pod.hostname;
    plan_->sysctlWrites = pod.sysctlWrites;
    plan_->pinDir = pod.pinDir;
    plan_->pinDirMounted = pod.pinDirMounted;
    plan_->pinFiles = pod.pinFiles;
    plan_->pinSources = pod.pinSources;
    if (::send(mapped_.get(), "o", 1, MSG_NOSIGNAL) != 1)
      return failSys(errno, "order the namespace helper");
    return {};
  }
  NamespaceHelper(NamespaceHelper&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)),
        release_(std::move(o.release_)),
        report_(std::move(o.report_)),
        mapped_(std::move(o.mapped_)),
        stack_(std::move(o.stack_)),
        args_(std::move(o.args_)),
        plan_(std::move(o.plan_)) {}
  NamespaceHelper& operator=(NamespaceHelper&&) = delete;
  ~NamespaceHelper() {
    if (pid_ <= 0) return;
    release_.reset();
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pid_t pid() const { return pid_; }
  bool pinsItself() const { return !plan_->pinDir.empty(); }

 private:
  NamespaceHelper(pid_t pid, UniqueFd release, UniqueFd report, UniqueFd mapped,
                  std::unique_ptr<char[]> stack, std::unique_ptr<HelperArgs> args,
                  std::unique_ptr<HelperPlan> plan)
      : pid_(pid),
        release_(std::move(release)),
        report_(std::move(report)),
        mapped_(std::move(mapped)),
        stack_(std::move(stack)),
        args_(std::move(args)),
        plan_(std::move(plan)) {}
  pid_t pid_;
  UniqueFd release_;
  UniqueFd report_;                // the helper's report (read end)
  UniqueFd mapped_;                // "the id maps are written", or a standby's order (write end)
  std::unique_ptr<char[]> stack_;  // the child's, until it is reaped
  std::unique_ptr<HelperArgs> args_;
  std::unique_ptr<HelperPlan> plan_;  // the child reads it until it reports
};

constexpr int kStandbyFlags = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

}  // namespace

struct NamespacePinning::State {
  std::string nsDir;
  std::vector<std::string> pins;
  std::optional<NamespaceHelper> helper;
};

struct NamespaceStandby::Impl {
  std::mutex mu;
  std::optional<NamespaceHelper> waiting;
  bool launching = false;  // one helper at a time is cloned to wait: none is made for nothing
};

NamespaceStandby::NamespaceStandby() : impl_(std::make_unique<Impl>()) {}
NamespaceStandby::~NamespaceStandby() = default;

pid_t NamespaceStandby::waitingPid() const {
  std::lock_guard lock(impl_->mu);
  return impl_->waiting ? impl_->waiting->pid() : 0;
}

namespace {

// The waiting helper, if any, and a new one cloned to wait for the next pod unless another
// thread is cloning one (in a burst of starts on several workers, a second would find the
// place taken and be killed, its net namespace made and torn down for nothing).
std::optional<NamespaceHelper> takeAndRefill(NamespaceStandby::Impl& standby) {
  std::optional<NamespaceHelper> taken;
  {
    std::lock_guard lock(standby.mu);
    if (standby.waiting) taken.emplace(std::move(*standby.waiting));
    standby.waiting.reset();
    if (standby.launching) return taken;
    standby.launching = true;
  }
  auto plan = std::make_unique<HelperPlan>();
  plan->unshareFlags = kStandbyFlags;
  plan->loopback = true;
  plan->waitForOrder = true;
  std::optional<NamespaceHelper> next;
  const bool launched = NamespaceHelper::launch(std::move(plan), next).has_value();
  std::lock_guard lock(standby.mu);
  standby.launching = false;
  if (launched && !standby.waiting) standby.waiting.emplace(std::move(*next));
  return taken;
}

}  // namespace

NamespacePinning::NamespacePinning(std::unique_ptr<State> s) : s_(std::move(s)) {}
NamespacePinning::NamespacePinning(NamespacePinning&&) noexcept = default;
NamespacePinning::~NamespacePinning() = default;

Result<NamespacePinning> startPinningNamespaces(const std::string& nsDir,
                                                const std::vector<std::string>& kinds,
                                                const std::string& hostname, const Sysctls& sysctls,
                                                std::optional<uint32_t> userHostId,
                                                NamespaceStandby* standby) {
  auto state = std::make_unique<NamespacePinning::State>();
  auto planOwned = std::make_unique<HelperPlan>();
  HelperPlan& plan = *planOwned;
  plan.userHostId = userHostId;
  for (const auto& kind : kinds) {
    if (kind == "net") plan.unshareFlags |= CLONE_NEWNET;
    if (kind == "ipc") plan.unshareFlags |= CLONE_NEWIPC;
    if (kind == "uts") plan.unshareFlags |= CLONE_NEWUTS;
  }
  if (plan.unshareFlags & CLONE_NEWUTS) plan.hostname = hostname;
  plan.loopback = plan.unshareFlags & CLONE_NEWNET;
  for (const auto& [name, value] : sysctls) {
    const std::string ns = sysctlNamespace(name);
    if (ns.empty())
      return failMsg("sysctl " + name + " is not namespaced: it would change the node");
    if (std::find(kinds.begin(), kinds.end(), ns) == kinds.end()) {
      return failMsg("sysctl " + name + " would change the node: the pod shares the host's " + ns +
                     " namespace");
    }
    auto path = sysctlPath(name);
    if (!path) return fail(path.error());
    plan.sysctlWrites.emplace_back(*path, value);
  }
  if (plan.unshareFlags == 0 && !userHostId) return NamespacePinning(std::move(state));
  state->nsDir = nsDir;
  state->pins = kinds;
  if (userHostId) state->pins.push_back("user");
  if (!userHostId) {
    if (auto r = makeDirs(nsDir, 0711); !r) return fail(r.error());
    plan.pinDir = nsDir;
    plan.pinDirMounted = isMountRoot(nsDir);
    for (const auto& kind : state->pins) {
      plan.pinFiles.push_back(nsDir + "/" + kind);
      plan.pinSources.push_back("/proc/self/ns/" + kind);
    }
  }
  if (standby && !userHostId && plan.unshareFlags == kStandbyFlags) {
    // One that failed (killed, or its unshare refused) gives way to a helper of the pod's own,
    // which says why if it fails too.
    if (auto taken = takeAndRefill(standby->impl()); taken && taken->order(plan)) {
      state->helper.emplace(std::move(*taken));
      return NamespacePinning(std::move(state));
    }
  }
  if (auto r = NamespaceHelper::launch(std::move(planOwned), state->helper); !r)
    return fail(r.error());
  return NamespacePinning(std::move(state));
}

Result<void> NamespacePinning::finish() {
  if (!s_ || !s_->helper) return {};
  if (auto r = s_->helper->ready(); !r) return r;
  if (s_->helper->pinsItself()) {
    s_->helper.reset();
    return {};
  }
  const std::string& nsDir = s_->nsDir;
  if (auto r = makeDirs(nsDir, 0711); !r) return r;
  if (auto r = makeSharedSelfBind(nsDir); !r) return r;
  for (const auto& kind : s_->pins) {
    const std::string pin = nsDir + "/" + kind;
    UniqueFd file(::open(pin.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444));
    if (!file.valid()) return failSys(errno, "create pin " + pin);
    const std::string source = "/proc/" + std::to_string(s_->helper->pid()) + "/ns/" + kind;
    if (::mount(source.c_str(), pin.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return failSys(errno, "bind mount " + source + " onto " + pin);
    }
  }
  s_->helper.reset();  // the pins hold the namespaces now
  return {};
}

Result<void> pinNewNamespaces(const std::string& nsDir, const std::vector<std::string>& kinds,
                              const std::string& hostname, const Sysctls& sysctls,
                              std::optional<uint32_t> userHostId) {
  auto pinning = startPinningNamespaces(nsDir, kinds, hostname, sysctls, userHostId, nullptr);
  if (!pinning) return fail(pinning.error());
  return pinning->finish();
}

}  // namespace podkeeper::runtime
