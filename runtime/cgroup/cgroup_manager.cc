#include "runtime/cgroup/cgroup_manager.h"

#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

namespace podkeeper::runtime::cgroup {

const char* toString(Mode m) {
  switch (m) {
    case Mode::V1:
      return "v1";
    case Mode::V2:
      return "v2";
    case Mode::Hybrid:
      return "hybrid";
  }
  return "unknown";
}

Result<int64_t> statfsMagic(const std::string& path) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return failSys(errno, "statfs " + path);
  return static_cast<int64_t>(st.f_type);
}

int joinOwnCgroups(const int* fds, size_t count) noexcept {
  for (size_t i = 0; i < count; ++i) {
    if (::write(fds[i], "0", 1) != 1) return errno;
  }
  return 0;
}

}  // namespace podkeeper::runtime::cgroup
