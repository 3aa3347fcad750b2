#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "runtime/sys/file_tree.h"

// The kubelet's volume ownership for a pod's fsGroup (SetVolumeOwnership): every file and
// directory of a volume group-owned by the fsGroup, files g+rw (g+r when read-only),
// directories g+rwx (g+rx) and setgid, so what the containers create belongs to the group.
namespace podkeeper::runtime {

enum class FsGroupChange {
  Always,          // walk the whole volume each time it is set up
  OnRootMismatch,  // walk only when the volume's root is not right yet
};

// How far the walk goes: a volume deeper or larger than this is refused, naming the path.
inline constexpr TreeBudget kFsGroupBudget{};

// Applies the ownership below dir (dir included). Walks with walkTree (iteratively, by
// directory fd, never following a symlink nor crossing into another mount), so nothing a
// container placed in the volume can point the walk outside it or exhaust the agent's stack.
// Returns whether anything was walked.
Result<bool> applyFsGroup(const std::string& dir, int64_t gid, FsGroupChange policy, bool readOnly);

}  // namespace podkeeper::runtime
