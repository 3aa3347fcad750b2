#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"

// The kubelet's volume ownership for a pod's fsGroup (SetVolumeOwnership): every file and
// directory of a volume group-owned by the fsGroup, files g+rw (g+r when read-only),
// directories g+rwx (g+rx) and setgid, so what the containers create belongs to the group.
namespace podkeeper::runtime {

enum class FsGroupChange {
  Always,          // walk the whole volume each time it is set up
  OnRootMismatch,  // walk only when the volume's root is not right yet
};

// Applies the ownership below dir (dir included). Walks by directory fd, never following a
// symlink nor crossing into another mount, so nothing a container placed in the volume can
// point the walk outside it. Returns whether anything was walked.
Result<bool> applyFsGroup(const std::string& dir, int64_t gid, FsGroupChange policy, bool readOnly);

}  // namespace podkeeper::runtime
