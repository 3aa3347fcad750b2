#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/container_runtime.h"

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
  MountPropagation propagation = MountPropagation::Private;
  bool recursiveReadOnly = true;  // false: submounts keep their own read-write state
  // An image volume (source is ""): its layers, top first; read-only, nosuid, nodev, noexec,
  // never idmapped (its files keep the node's ids, read through the overflow ids).
  std::vector<std::string> imageLayers{};
};

// Opens subPath below the volume's root (an fd) with openat2(RESOLVE_BENEATH), one prefix at
// a time: a symlink that leads out of the volume (absolute, or through "..") is refused with
// EXDEV, one that stays inside is followed. Missing directories are made, each with the mode
// of the volume's root (as the kubelet does, so an fsGroup can write to them). Returns an
// O_PATH fd.
Result<UniqueFd> openSubPath(int volumeFd, const std::string& subPath);

// A volume's source (or subPath) cloned with its submounts, detached, read-only and idmapped as
// asked: what attachVolume mounts.
struct VolumeTree {
  UniqueFd fd;
  bool directory = true;
};
Result<VolumeTree> cloneVolume(const VolumeBind& m, int usernsFd);

// The tree mounted at m.destination below rootFd, then given m's propagation (rprivate,
// rslave or rshared, recursively).
Result<void> attachVolume(int rootFd, const VolumeBind& m, VolumeTree tree);

// Each volume (or its subPath) mounted at its destination below rootFd, submounts included;
// idmapped by the user namespace usernsFd unless it is -1. cloned[i], when set, is mounts[i]
// cloned earlier (Bidirectional volumes are cloned before / is made rslave, so that they stay
// in the host mount's peer group).
Result<void> bindVolumes(int rootFd, const std::vector<VolumeBind>& mounts, int usernsFd = -1,
                         std::vector<std::optional<VolumeTree>> cloned = {});

}  // namespace podkeeper::runtime
