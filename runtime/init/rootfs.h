#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/init/cgroup_mounts.h"
#include "runtime/init/volume_mounts.h"

// The container's filesystem, set up by its init inside its own mount namespace, so every
// mount disappears with the container. Mount targets inside the rootfs are opened with
// RESOLVE_IN_ROOT and mounted through /proc/self/fd, so a symlink in the image cannot
// redirect a mount to the host.
namespace podkeeper::runtime {

struct RootfsPlan {
  std::vector<std::string> lowerDirs;  // image layers, top first
  std::string upperDir;
  std::string workDir;
  std::string mergedDir;                           // overlay mount point, becomes "/"
  std::string sandboxDir;                          // hostname, hosts, resolv.conf to bind over /etc
  std::string workingDir = "/";                    // created when missing, as runc does
  std::vector<VolumeBind> mounts;                  // volumes, in order
  bool readOnly = false;                           // remount / read-only after pivoting
  std::vector<ContainerCgroupMount> cgroupMounts;  // at /sys/fs/cgroup, read-only
  bool privileged = false;
  bool unmaskedProc = false;  // procMount: Unmasked: the kernel paths are neither masked nor ro
  // hostUsers: false: the pod's user namespace (image layers and volumes are idmapped by it)
  // and the first host id it maps (owner of /dev and its nodes); -1 and 0 otherwise.
  int userNamespaceFd = -1;
  uint32_t userNamespaceHostId = 0;
};

// The overlay mount options, with ',' ':' and '\\' in paths escaped as overlayfs expects.
// The options must fit in one page: when many layers with long paths would not, the lower
// directories are named relative to their common parent and the mount is made from there
// (`chdir`), as containerd does; "" when absolute paths fit.
struct OverlayMount {
  std::string options;
  std::string chdir;
};
inline constexpr size_t kMountOptionsMax = 4095;  // a page, less the NUL
Result<OverlayMount> overlayOptions(const std::vector<std::string>& lowers,
                                    const std::string& upper, const std::string& work);

// / rslave, overlay, /proc, /sys, /dev (+pts, shm, mqueue, devices, links), then (unless
// privileged) the masked and read-only kernel paths, then the /etc files and the volumes.
// In a user namespace the image layers are idmapped before the overlay is made of them (the
// writable layer is not: overlayfs writes it with the mounter's ids, so it belongs to the
// pod's first host id) and so is every volume; /proc and /sys are mounted from outside it.
Result<void> prepareRootfs(const RootfsPlan& plan);

// pivot_root(".", ".") then a lazy unmount of the old root, as runc does.
Result<void> pivotInto(const std::string& mergedDir);

// After pivoting: the container's / read-only (readOnlyRootFilesystem); volumes, /dev,
// /proc and the rest stay as they are.
Result<void> remountRootReadOnly();

// Opens (creating directories as needed) a directory below rootFd without leaving it.
Result<UniqueFd> openDirInRoot(int rootFd, const std::string& path);

// Opens O_PATH a file below rootFd, creating it empty (and its directories) when missing.
Result<UniqueFd> openFileInRoot(int rootFd, const std::string& path);

}  // namespace podkeeper::runtime
