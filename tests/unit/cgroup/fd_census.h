#pragma once

#include <fcntl.h>

#include <filesystem>
#include <string>

namespace podkeeper::runtime::cgroup::testing {

// The fds of this process whose target lies under root, and how many of them lack
// FD_CLOEXEC.
struct FdsUnder {
  size_t count = 0;
  size_t withoutCloexec = 0;
};
inline FdsUnder fdsUnder(const std::string& root) {
  FdsUnder out;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    if (ec || target.rfind(root, 0) != 0) continue;
    ++out.count;
    const int fd = std::stoi(e.path().filename().string());
    if (!(::fcntl(fd, F_GETFD) & FD_CLOEXEC)) ++out.withoutCloexec;
  }
  return out;
}

}  // namespace podkeeper::runtime::cgroup::testing
