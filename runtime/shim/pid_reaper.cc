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

#include "runtime/shim_protocol.h"

namespace podkeeper::runtime::shim {
namespace {

void report(const std::string& line) { (void)!::write(kShimSyncFd, line.data(), line.size()); }

int fail(const std::string& what) {
  report(formatShimError(what + ": " + std::strerror(errno)));
  return 1;
}

// PID 1 of the pod: holds nothing open, reaps until told to stop.
[[noreturn]] void reap() {
  ::prctl(PR_SET_NAME, "pk-pid-reaper", 0, 0, 0);
  const int devNull = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd) ::dup2(devNull, fd);
  ::close_range(3, ~0U, 0);
  (void)!::chdir("/");
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, nullptr);
  while (true) {
    siginfo_t si{};
    const int sig = ::sigwaitinfo(&all, &si);
    if (sig == SIGTERM || sig == SIGINT) ::_exit(0);
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
}

}  // namespace

int runPidReaper(const std::string& nsDir) {
  ::signal(SIGPIPE, SIG_IGN);
  if (::setsid() < 0) return fail("setsid");
  if (::unshare(CLONE_NEWPID) != 0) return fail("unshare pid namespace");
  const pid_t init = ::fork();
  if (init < 0) return fail("fork the pid namespace's init");
  if (init == 0) reap();
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
