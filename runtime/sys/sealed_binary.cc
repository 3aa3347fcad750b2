#include "runtime/sys/sealed_binary.h"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace podkeeper::runtime {
namespace {

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

// Kernels since 6.3 want the executable bit asked for (and may refuse exec without it, under
// vm.memfd_noexec); older ones reject the flag, and every memfd is executable there.
int executableMemfd(const char* name) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd >= 0 || errno != EINVAL) return fd;
  return ::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

constexpr size_t kMaxFds = 16;

}  // namespace

Result<SealedBinary> SealedBinary::copyOf(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid()) return failSys(errno, "open " + path);
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) return failSys(errno, "stat " + path);
  if (!S_ISREG(st.st_mode)) return failMsg(path + ": not a regular file");
  // Named after the file: /proc/<pid>/exe reads "/memfd:<name> (deleted)".
  const auto slash = path.rfind('/');
  UniqueFd copy(executableMemfd(path.substr(slash == std::string::npos ? 0 : slash + 1).c_str()));
  if (!copy.valid()) return failSys(errno, "memfd_create for a copy of " + path);
  for (off_t done = 0; done < st.st_size;) {
    const ssize_t n = ::sendfile(copy.get(), file.get(), &done, st.st_size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failSys(errno, "copy " + path + " into a memfd");
    if (n == 0) return failMsg(path + ": shrank while being copied");
  }
  if (::fcntl(copy.get(), F_ADD_SEALS, kBinarySeals) != 0) {
    return failSys(errno, "seal the copy of " + path);
  }
  return SealedBinary(std::move(copy), path);
}

void SealedBinary::execWithFds(std::span<const int> fds, char* const argv[],
                               char* const envp[]) const {
  const int n = static_cast<int>(fds.size());
  if (fds.size() > kMaxFds) ::_exit(126);
  // Everything out of the way of 0..n-1 first, so no dup2 below overwrites a source still
  // needed; the copy stays close-on-exec (execveat reads it before closing it).
  int moved[kMaxFds];
  for (int i = 0; i < n; ++i) {
    moved[i] = fds[i] < 0 ? -1 : ::fcntl(fds[i], F_DUPFD, n);
    if (fds[i] >= 0 && moved[i] < 0) ::_exit(126);
  }
  const int self = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, n);
  if (self < 0) ::_exit(126);
  for (int i = 0; i < n; ++i) {
    if (moved[i] < 0) {
      ::close(i);
    } else if (::dup2(moved[i], i) < 0) {
      ::_exit(126);
    }
  }
  ::close_range(static_cast<unsigned>(n), static_cast<unsigned>(self) - 1, 0);
  ::close_range(static_cast<unsigned>(self) + 1, ~0U, 0);
  ::execveat(self, "", argv, envp, AT_EMPTY_PATH);
}

namespace {

struct SpawnRequest {
  const SealedBinary* binary;
  std::span<const int> fds;
  char* const* argv;
  char* const* envp;
  sigset_t callerMask;
};

// The vfork child: caught signals back to their defaults (the handler table is its own; the
// memory is the caller's), the caller's mask back, then the exec.
int spawnedChild(void* arg) {
  const auto* req = static_cast<const SpawnRequest*>(arg);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction cur {};
    if (sig == SIGKILL || sig == SIGSTOP || ::sigaction(sig, nullptr, &cur) != 0) continue;
    if (cur.sa_handler != SIG_DFL && cur.sa_handler != SIG_IGN) ::sigaction(sig, &dfl, nullptr);
  }
  ::sigprocmask(SIG_SETMASK, &req->callerMask, nullptr);
  req->binary->execWithFds(req->fds, req->argv, req->envp);
  ::_exit(127);
}

}  // namespace

pid_t SealedBinary::spawnWithFds(std::span<const int> fds, char* const argv[],
                                 char* const envp[]) const {
  SpawnRequest req{this, fds, argv, envp, {}};
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &req.callerMask);
  // The child runs here until it execs; the caller is suspended meanwhile (CLONE_VFORK).
  alignas(64) char stack[32 * 1024];
  const pid_t pid =
      ::clone(spawnedChild, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &req);
  const int err = errno;
  ::pthread_sigmask(SIG_SETMASK, &req.callerMask, nullptr);
  errno = err;
  return pid;
}

Result<unsigned> fileSeals(int fd) {
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0) return failSys(errno, "F_GET_SEALS");
  return static_cast<unsigned>(seals);
}

}  // namespace podkeeper::runtime
