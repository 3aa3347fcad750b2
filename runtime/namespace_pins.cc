#include "runtime/namespace_pins.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/unique_fd.h"
#include "runtime/state_dir.h"

namespace podkeeper::runtime {
namespace {

constexpr long kNsfsMagic = 0x6e736673;

// What the helper child reports when a step fails: the step and its errno.
struct HelperFailure {
  int step = 0;
  int err = 0;
};
constexpr const char* kHelperSteps[] = {"", "unshare(net|ipc|uts)", "sethostname", "bring up lo"};

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

// Runs in the forked child: only system calls. Reports a failure (or step 0 for ready)
// on `report`, then waits for `release` to close before exiting.
[[noreturn]] void helperMain(int report, int release, const std::string& hostname) {
  HelperFailure f;
  if (::unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0) {
    f = {1, errno};
  } else if (::sethostname(hostname.data(), hostname.size()) != 0) {
    f = {2, errno};
  } else if (int err = bringUpLoopback(); err != 0) {
    f = {3, err};
  }
  (void)!::write(report, &f, sizeof f);
  char c;
  (void)!::read(release, &c, 1);
  ::_exit(0);
}

// The helper child: killed and reaped when this goes out of scope.
class NamespaceHelper {
 public:
  static Result<NamespaceHelper> start(const std::string& hostname) {
    int report[2], release[2];
    if (::pipe2(report, O_CLOEXEC) != 0) return failSys(errno, "pipe");
    UniqueFd reportRead(report[0]), reportWrite(report[1]);
    if (::pipe2(release, O_CLOEXEC) != 0) return failSys(errno, "pipe");
    UniqueFd releaseRead(release[0]), releaseWrite(release[1]);
    const pid_t pid = ::fork();
    if (pid < 0) return failSys(errno, "fork namespace helper");
    if (pid == 0) helperMain(reportWrite.get(), releaseRead.get(), hostname);
    NamespaceHelper helper(pid, std::move(releaseWrite));
    reportWrite.reset();
    HelperFailure f;
    if (::read(reportRead.get(), &f, sizeof f) != sizeof f) {
      return failMsg("namespace helper died before reporting");
    }
    if (f.step != 0)
      return failSys(f.err, std::string("namespace helper: ") + kHelperSteps[f.step]);
    return helper;
  }
  NamespaceHelper(NamespaceHelper&& o) noexcept
      : pid_(std::exchange(o.pid_, -1)), release_(std::move(o.release_)) {}
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
  NamespaceHelper(pid_t pid, UniqueFd release) : pid_(pid), release_(std::move(release)) {}
  pid_t pid_;
  UniqueFd release_;
};

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

// Unmounts every mount stacked on path; fine when there is none.
Result<void> unmountAll(const std::string& path) {
  for (int i = 0; i < 16; ++i) {
    if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) {
      if (errno == EINVAL || errno == ENOENT) return {};
      return failSys(errno, "umount " + path);
    }
  }
  return failMsg("umount " + path + ": still mounted after 16 unmounts");
}

}  // namespace

Result<void> pinNewNamespaces(const std::string& nsDir, const std::string& hostname) {
  if (auto r = makeDirs(nsDir, 0711); !r) return r;
  if (auto r = makeSharedSelfBind(nsDir); !r) return r;
  auto helper = NamespaceHelper::start(hostname);
  if (!helper) return fail(helper.error());
  for (const char* kind : kPinnedNamespaces) {
    const std::string pin = nsDir + "/" + kind;
    UniqueFd file(::open(pin.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444));
    if (!file.valid()) return failSys(errno, "create pin " + pin);
    const std::string source = "/proc/" + std::to_string(helper->pid()) + "/ns/" + kind;
    if (::mount(source.c_str(), pin.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return failSys(errno, "bind mount " + source + " onto " + pin);
    }
  }
  return {};
}

bool namespacePinsValid(const std::string& nsDir) {
  for (const char* kind : kPinnedNamespaces) {
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
