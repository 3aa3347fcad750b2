// Makes system calls with arguments the kernel refuses (bad pointers, bad flags, fd -1), so
// nothing changes, and prints "<name>=<errno name>" for each, "ok" when one succeeded. With a
// seccomp filter that refuses a call the answer is the filter's (EPERM); without, it is the
// kernel's own (EFAULT, EINVAL, EBADF, ENOSYS, ...). Statically linked: it runs in any rootfs.
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace {

void* bad() { return reinterpret_cast<void*>(1); }

long cloneNewUser() {
  const long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (pid == 0) ::_exit(0);
  if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return pid < 0 ? -1 : 0;
}

const std::vector<std::pair<const char*, std::function<long()>>>& probes() {
  static const std::vector<std::pair<const char*, std::function<long()>>> all = {
      {"mount", [] { return ::syscall(SYS_mount, bad(), bad(), bad(), 0, bad()); }},
      {"umount2", [] { return ::syscall(SYS_umount2, bad(), 0); }},
      {"unshare", [] { return ::syscall(SYS_unshare, 0x1); }},  // CSIGNAL bits: EINVAL
      {"setns", [] { return ::syscall(SYS_setns, -1, 0); }},
      {"kexec_load", [] { return ::syscall(SYS_kexec_load, 0, 100000, nullptr, 0); }},
      {"kexec_file_load", [] { return ::syscall(SYS_kexec_file_load, -1, -1, 0, nullptr, ~0UL); }},
      {"bpf", [] { return ::syscall(SYS_bpf, -1, nullptr, 0); }},
      {"init_module", [] { return ::syscall(SYS_init_module, nullptr, 0, bad()); }},
      {"finit_module", [] { return ::syscall(SYS_finit_module, -1, bad(), 0); }},
      {"delete_module", [] { return ::syscall(SYS_delete_module, bad(), 0); }},
      {"clock_settime", [] { return ::syscall(SYS_clock_settime, CLOCK_REALTIME, bad()); }},
      {"settimeofday", [] { return ::syscall(SYS_settimeofday, bad(), nullptr); }},
      {"pivot_root", [] { return ::syscall(SYS_pivot_root, bad(), bad()); }},
      {"keyctl", [] { return ::syscall(SYS_keyctl, 99999, 0, 0, 0, 0); }},
      {"add_key", [] { return ::syscall(SYS_add_key, bad(), bad(), nullptr, 0, 0); }},
      {"request_key", [] { return ::syscall(SYS_request_key, bad(), bad(), nullptr, 0); }},
      {"personality", [] { return ::syscall(SYS_personality, 0x1234); }},
      {"clone_newuser", cloneNewUser},
      {"clone3", [] { return ::syscall(SYS_clone3, nullptr, 0); }},
      {"getpid", [] { return ::syscall(SYS_getpid); }},
  };
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  for (const auto& [name, call] : probes()) {
    bool wanted = argc < 2;
    for (int i = 1; i < argc; ++i) wanted = wanted || std::strcmp(argv[i], name) == 0;
    if (!wanted) continue;
    errno = 0;
    const long rc = call();
    const char* answer = rc >= 0 ? "ok" : strerrorname_np(errno);
    std::printf("%s=%s\n", name, answer ? answer : "?");
  }
  return 0;
}
