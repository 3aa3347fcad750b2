#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"

// Volumes inside the container, set up by its init in its own mount namespace. Every source
// is opened once and mounted by that fd (open_tree, move_mount), so nothing between a check
// and the mount can redirect it; a subPath is resolved below the volume's root and never
// leaves it, whatever symlinks the container has put there.
namespace podkeeper::runtime {

struct VolumeBind {
  std::string source;  // host path of the volume
  std::string destination;
  bool readOnly = false;  // recursively: submounts of the source are read-only too
  std::string subPath;    // relative path inside the volume; "" = the whole volume
  std::string name;       // the volume's name, for messages
};

// Opens subPath below the volume's root (an fd) with openat2(RESOLVE_BENEATH), one prefix at
// a time: a symlink that leads out of the volume (absolute, or through "..") is refused with
// EXDEV, one that stays inside is followed. Missing directories are made, each with the mode
// of the volume's root (as the kubelet does, so an fsGroup can write to them). Returns an
// O_PATH fd.
Result<UniqueFd> openSubPath(int volumeFd, const std::string& subPath);

// Each volume (or its subPath) mounted at its destination below rootFd, submounts included;
// idmapped by the user namespace usernsFd unless it is -1.
Result<void> bindVolumes(int rootFd, const std::vector<VolumeBind>& mounts, int usernsFd = -1);

}  // namespace podkeeper::runtime
