#include "runtime/shim/pid_reaper.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/bundle/shim_protocol.h"
#include "runtime/init/process_identity.h"
#include "runtime/shim/resident.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime::shim {
namespace {

void report(const std::string& line) { (void)!::write(kShimSyncFd, line.data(), line.size()); }

int fail(const std::string& what) {
  report(formatShimError(what + ": " + std::strerror(errno)));
  return 1;
}

// In a mount namespace of its own, an empty read-only tmpfs becomes root and cwd (mounted on
// dir, which exists; the host's mounts stay untouched, being private here): /proc/1/root and
// /proc/1/cwd lead nowhere, as the pause container's own rootfs does.
Result<void> enterEmptyRoot(const std::string& dir) {
  if (::unshare(CLONE_NEWNS) != 0) return failSys(errno, "unshare mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return failSys(errno, "make / private");
  }
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,mode=0555") != 0) {
    return failSys(errno, "mount an empty tmpfs on " + dir);
  }
  if (::chdir(dir.c_str()) != 0) return failSys(errno, "chdir " + dir);
  if (sys::pivotRoot(".", ".") != 0) return failSys(errno, "pivot_root into the empty tmpfs");
  if (::umount2(".", MNT_DETACH) != 0) return failSys(errno, "unmount the host's root");
  if (::chdir("/") != 0) return failSys(errno, "chdir /");
  return {};
}

// Root and cwd on nothing, no capabilities in any set (bounding, permitted, effective,
// inheritable, ambient), no_new_privs, non-dumpable: nothing a container sharing the pid
// namespace could use, even one with CAP_SYS_PTRACE.
Result<void> dropEverything(const std::string& dir) {
  if (auto r = enterEmptyRoot(dir); !r) return r;
  ProcessIdentity nobody;
  nobody.capabilityMask = 0;
  nobody.noNewPrivileges = true;
  if (auto r = assumeIdentity(nobody); !r) return r;
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return failSys(errno, "set non-dumpable");
  return {};
}

// PID 1 of the pod: holds nothing open, reaps until told to stop. Reports on ready ("" once
// done, else why not).
[[noreturn]] void reap(const std::string& dir, int ready) {
  ::prctl(PR_SET_NAME, "pk-pid-reaper", 0, 0, 0);
  if (auto r = dropEverything(dir); !r) {
    (void)!::write(ready, r.error().message.data(), r.error().message.size());
    ::_exit(1);
  }
  ::close_range(0, ~0U, 0);  // ready too: its EOF tells the parent all went well
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, nullptr);
  releaseStartupPages();  // it lives as long as the pod and only ever runs the loop below
  while (true) {
    siginfo_t si{};
    const int sig = ::sigwaitinfo(&all, &si);
    if (sig == SIGTERM || sig == SIGINT) ::_exit(0);
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
}

// What the init reported: "" when it is ready.
std::string awaitReady(int fd) {
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::string("read: ") + std::strerror(errno);
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace

int runPidReaper(const std::string& nsDir) {
  ::signal(SIGPIPE, SIG_IGN);
  if (::setsid() < 0) return fail("setsid");
  if (::unshare(CLONE_NEWPID) != 0) return fail("unshare pid namespace");
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return fail("pipe");
  const pid_t init = ::fork();
  if (init < 0) return fail("fork the pid namespace's init");
  if (init == 0) {
    ::close(ready[0]);
    reap(nsDir, ready[1]);
  }
  ::close(ready[1]);
  const std::string problem = awaitReady(ready[0]);
  ::close(ready[0]);
  if (!problem.empty()) {
    report(formatShimError("the pid namespace's init: " + problem));
    ::kill(init, SIGKILL);
    return 1;
  }
  const std::string pin = nsDir + "/pid";
  const std::string source = "/proc/" + std::to_string(init) + "/ns/pid";
  const int file = ::open(pin.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
  if (file < 0 || ::mount(source.c_str(), pin.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    const int rc = fail("pin " + source + " at " + pin);
    ::kill(init, SIGKILL);
    return rc;
  }
  ::close(file);
  report(formatShimOk(::getpid(), init));
  return 0;
}

}  // namespace podkeeper::runtime::shim
