#include "runtime/seccomp/seccomp_filter.h"

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime {

Result<std::vector<sock_filter>> readSeccompProgram(const std::string& path) {
  auto bytes = readWholeFile(path);
  if (!bytes) return fail(bytes.error().context("seccomp program"));
  if (bytes->empty() || bytes->size() % sizeof(sock_filter) != 0 ||
      bytes->size() / sizeof(sock_filter) > BPF_MAXINSNS) {
    return failMsg("seccomp program " + path + ": " + std::to_string(bytes->size()) +
                   " bytes is not a BPF program");
  }
  std::vector<sock_filter> program(bytes->size() / sizeof(sock_filter));
  std::copy(bytes->begin(), bytes->end(), reinterpret_cast<char*>(program.data()));
  return program;
}

Result<void> loadSeccompProgram(const std::vector<sock_filter>& program) {
  sock_fprog prog{static_cast<unsigned short>(program.size()),
                  const_cast<sock_filter*>(program.data())};
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    return failSys(errno, "load the seccomp filter");
  }
  return {};
}

}  // namespace podkeeper::runtime
