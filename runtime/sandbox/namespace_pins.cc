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
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "common/unique_fd.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/sandbox/user_namespace_ids.h"

namespace podkeeper::runtime {
namespace {

constexpr long kNsfsMagic = 0x6e736673;

// What the helper child reports when a step fails: the step, its errno, and for sysctls
// which one.
struct HelperFailure {
  int step = 0;
  int err = 0;
  size_t index = 0;
};
constexpr const char* kHelperSteps[] = {
    "", "unshare", "sethostname", "bring up lo", "write sysctl", "", "unshare user"};
constexpr int kUserNamespaceMade = 5;  // not a failure: the parent writes the id maps now

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

[[noreturn]] void helperMain(int report, int release, int mapped, pid_t agent,
                             const HelperPlan& plan) {
  // Dies with the agent, and holds nothing of the agent's meanwhile: a helper outliving an
  // agent killed mid-start kept its state directory's lock, its listening sockets and the
  // release pipe's write end (so it never saw EOF), and the next agent could not start.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != agent) ::_exit(1);
  closeAllBut({report, release, mapped});
  HelperFailure f = plan.userHostId ? enterNewUserNamespace(report, mapped) : HelperFailure{};
  if (f.step != 0) {
    // reported below
  } else if (plan.unshareFlags != 0 && ::unshare(plan.unshareFlags) != 0) {
    f = {1, errno, 0};
  } else if (!plan.hostname.empty() &&
             ::sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
    f = {2, errno, 0};
  } else if (int err = plan.loopback ? bringUpLoopback() : 0; err != 0) {
    f = {3, err, 0};
  } else {
    for (size_t i = 0; i < plan.sysctlWrites.size(); ++i) {
      const auto& [path, value] = plan.sysctlWrites[i];
      if (int e = writeSysctl(path, value); e != 0) {
        f = {4, e, i};
        break;
      }
    }
  }
  (void)!::write(report, &f, sizeof f);
  char c;
  (void)!::read(release, &c, 1);
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
  // Clones the helper, which starts on the plan at once; ready() waits for it. `plan` must
  // outlive the helper's report (the child reads it).
  static Result<void> launch(const HelperPlan& plan, std::optional<NamespaceHelper>& out) {
    int report[2], release[2], mapped[2];
    if (::pipe2(report, O_CLOEXEC) != 0) return failSys(errno, "pipe");
    UniqueFd reportRead(report[0]), reportWrite(report[1]);
    if (::pipe2(release, O_CLOEXEC) != 0) return failSys(errno, "pipe");
    UniqueFd releaseRead(release[0]), releaseWrite(release[1]);
    if (::pipe2(mapped, O_CLOEXEC) != 0) return failSys(errno, "pipe");
    UniqueFd mappedRead(mapped[0]), mappedWrite(mapped[1]);
    auto args = std::make_unique<HelperArgs>(
        HelperArgs{reportWrite.get(), releaseRead.get(), mappedRead.get(), ::getpid(), &plan});
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
                                std::move(mappedWrite), std::move(stack), std::move(args)));
    return {};
  }
  // Waits until the helper made the namespaces (writing the id maps of a new user namespace
  // when it asks): an error names the step that failed.
  Result<void> ready(const HelperPlan& plan) {
    HelperFailure f;
    if (::read(report_.get(), &f, sizeof f) != sizeof f) {
      return failMsg("namespace helper died before reporting");
    }
    if (f.step == kUserNamespaceMade) {
      if (auto r = writeIdMaps(pid_, *plan.userHostId); !r) return fail(r.error());
      if (::write(mapped_.get(), "m", 1) != 1) return failSys(errno, "release the helper");
      if (::read(report_.get(), &f, sizeof f) != sizeof f)
        return failMsg("namespace helper died before reporting");
    }
    if (f.step == 4) {
      const auto& [path, value] = plan.sysctlWrites[f.index];
      return failSys(f.err, "sysctl " + path + " = \"" + value + "\"");
    }
    if (f.step != 0)
      return failSys(f.err, std::string("namespace helper: ") + kHelperSteps[f.step]);
    return {};
  }
  NamespaceHelper(NamespaceHelper&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)),
        release_(std::move(o.release_)),
        report_(std::move(o.report_)),
        mapped_(std::move(o.mapped_)),
        stack_(std::move(o.stack_)),
        args_(std::move(o.args_)) {}
  NamespaceHelper& operator=(NamespaceHelper&&) = delete;
  ~NamespaceHelper() {
    if (pid_ <= 0) return;
    release_.reset();
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pid_t pid() const { return pid_; }

 private:
  NamespaceHelper(pid_t pid, UniqueFd release, UniqueFd report, UniqueFd mapped,
                  std::unique_ptr<char[]> stack, std::unique_ptr<HelperArgs> args)
      : pid_(pid),
        release_(std::move(release)),
        report_(std::move(report)),
        mapped_(std::move(mapped)),
        stack_(std::move(stack)),
        args_(std::move(args)) {}
  pid_t pid_;
  UniqueFd release_;
  UniqueFd report_;                // the helper's report (read end)
  UniqueFd mapped_;                // "the id maps are written" (write end)
  std::unique_ptr<char[]> stack_;  // the child's, until it is reaped
  std::unique_ptr<HelperArgs> args_;
};

}  // namespace

bool isMountRoot(const std::string& path) {
  struct statx stx {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) != 0) {
    return false;
  }
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
         (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

Result<void> makeSharedSelfBind(const std::string& dir) {
  if (!isMountRoot(dir) && ::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return failSys(errno, "bind mount " + dir + " onto itself");
  }
  if (::mount(nullptr, dir.c_str(), nullptr, MS_SHARED, nullptr) != 0) {
    return failSys(errno, "make " + dir + " shared");
  }
  return {};
}

Result<void> unmountAll(const std::string& path) {
  for (int i = 0; i < 16; ++i) {
    if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) {
      if (errno == EINVAL || errno == ENOENT) return {};
      return failSys(errno, "umount " + path);
    }
  }
  return failMsg("umount " + path + ": still mounted after 16 unmounts");
}

Result<std::string> sysctlPath(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos ||
      name.front() == '.' || name.back() == '.') {
    return failMsg("sysctl name \"" + name + "\" is not valid");
  }
  std::string path = "/proc/sys/" + name;
  for (size_t i = 10; i < path.size(); ++i) {
    if (path[i] == '.') path[i] = '/';
  }
  return path;
}

struct NamespacePinning::State {
  std::string nsDir;
  std::vector<std::string> pins;
  HelperPlan plan;
  std::optional<NamespaceHelper> helper;
};

NamespacePinning::NamespacePinning(std::unique_ptr<State> s) : s_(std::move(s)) {}
NamespacePinning::NamespacePinning(NamespacePinning&&) noexcept = default;
NamespacePinning::~NamespacePinning() = default;

Result<NamespacePinning> startPinningNamespaces(const std::string& nsDir,
                                                const std::vector<std::string>& kinds,
                                                const std::string& hostname, const Sysctls& sysctls,
                                                std::optional<uint32_t> userHostId) {
  auto state = std::make_unique<NamespacePinning::State>();
  HelperPlan& plan = state->plan;
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
  // The helper reads the plan where `state` keeps it.
  if (auto r = NamespaceHelper::launch(state->plan, state->helper); !r) return fail(r.error());
  return NamespacePinning(std::move(state));
}

Result<void> NamespacePinning::finish() {
  if (!s_ || !s_->helper) return {};
  if (auto r = s_->helper->ready(s_->plan); !r) return r;
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
  auto pinning = startPinningNamespaces(nsDir, kinds, hostname, sysctls, userHostId);
  if (!pinning) return fail(pinning.error());
  return pinning->finish();
}

bool namespacePinsValid(const std::string& nsDir, const std::vector<std::string>& kinds) {
  for (const auto& kind : kinds) {
    struct statfs sfs {};
    if (::statfs((nsDir + "/" + kind).c_str(), &sfs) != 0) return false;
    if (static_cast<long>(sfs.f_type) != kNsfsMagic) return false;
  }
  return true;
}

Result<void> unpinNamespaces(const std::string& nsDir) {
  for (const char* kind : kPinnedNamespaces) {
    if (auto r = unmountAll(nsDir + "/" + kind); !r) return r;
  }
  return unmountAll(nsDir);
}

}  // namespace podkeeper::runtime
