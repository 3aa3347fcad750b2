#include "runtime/init/idmapped_mount.h"

#include <fcntl.h>
#include <sys/mount.h>

#include <cerrno>

#include "common/unique_fd.h"

namespace podkeeper::runtime {

Result<void> idmapInPlace(const std::string& path, int usernsFd) {
  UniqueFd tree(::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!tree.valid()) return failSys(errno, "clone the mount at " + path);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(usernsFd);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    return failSys(errno, "idmap " + path + " (its filesystem may not support idmapped mounts)");
  // Over the directory path leads to (a directory image's rootfs may be a symlink), where the
  // overlay's lowerdir option leads too.
  if (::move_mount(tree.get(), "", AT_FDCWD, path.c_str(),
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) != 0)
    return failSys(errno, "mount the idmapped " + path);
  return {};
}

}  // namespace podkeeper::runtime
