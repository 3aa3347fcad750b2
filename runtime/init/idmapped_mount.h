#pragma once

#include <string>

#include "common/error.h"

// Idmapped mounts for pods with hostUsers: false (mount_setattr MOUNT_ATTR_IDMAP): what the
// filesystem stores as id N is seen, through the mount, as the user namespace's N. Image
// layers, volumes and the like keep their on-disk owners and still belong to the container's
// root inside.
namespace podkeeper::runtime {

// Clones the mount (or subtree) at path, idmapped by the user namespace usernsFd, and
// mounts the clone over the directory path leads to, in the calling process's mount
// namespace only. Fails naming
// the path when its filesystem cannot be idmapped.
Result<void> idmapInPlace(const std::string& path, int usernsFd);

}  // namespace podkeeper::runtime
