#pragma once

#include <fcntl.h>

#include <span>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

// runc's cloned-binary protection (CVE-2019-5736): what podkeeper runs inside a container's
// namespaces (a container's init before its exec, the exec joiner, the shared pid namespace's
// reaper) is exec'd from a sealed in-memory copy of podkeeper-shim, never from the file on the
// host. Through /proc/<pid>/exe a container then reaches only that copy, which nobody can write
// (F_SEAL_WRITE) or resize, and whose seals cannot be lifted (F_SEAL_SEAL).
namespace podkeeper::runtime {

inline constexpr unsigned kBinarySeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

class SealedBinary {
 public:
  // Copies the executable at path into a memfd (close-on-exec) and seals it.
  static Result<SealedBinary> copyOf(const std::string& path);

  int fd() const { return fd_.get(); }
  const std::string& source() const { return source_; }  // the copied file, for messages

  // In a child forked for it, async-signal-safe: fds[i] becomes descriptor i (fds[i] < 0: i is
  // left closed; at most 16), every other descriptor is closed, and the copy is exec'd with
  // argv and envp. Returns only when the exec itself failed (errno set, the descriptors in
  // place); exits 126 when they could not be arranged.
  void execWithFds(std::span<const int> fds, char* const argv[], char* const envp[]) const;

  // execWithFds in a new child that shares this process's memory until it execs (clone with
  // CLONE_VM | CLONE_VFORK on a stack of its own, as posix_spawn does): no copy of the
  // caller's page tables, which for the agent cost milliseconds per start. Signals are blocked
  // around the clone and the child resets every caught signal to its default before exec, so
  // no handler of the caller runs in it. Returns the child's pid (reap it as after fork; it
  // exits 127 when the exec failed, 126 when the descriptors could not be arranged), or -1
  // with errno when the clone failed.
  pid_t spawnWithFds(std::span<const int> fds, char* const argv[], char* const envp[]) const;

 private:
  SealedBinary(UniqueFd fd, std::string source) : fd_(std::move(fd)), source_(std::move(source)) {}

  UniqueFd fd_;
  std::string source_;
};

// The seals on fd (F_GET_SEALS), or the errno.
Result<unsigned> fileSeals(int fd);

}  // namespace podkeeper::runtime
