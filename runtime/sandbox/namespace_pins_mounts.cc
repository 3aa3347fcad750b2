// The pins' mounts: what namespace_pins.h declares besides making and pinning namespaces.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>

#include "runtime/bundle/state_dir.h"
#include "runtime/sandbox/namespace_pins.h"

namespace podkeeper::runtime {
namespace {

constexpr long kNsfsMagic = 0x6e736673;

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
