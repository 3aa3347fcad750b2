#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"

// The filesystem steps of a layer apply, every one relative to a directory fd and never
// following a symlink (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, O_NOFOLLOW, *at calls).
namespace podkeeper::image {

// Opens root/parts... (no parts: root itself) with `flags`.
Result<UniqueFd> openBeneath(int rootFd, const std::vector<std::string>& parts, int flags);
// Called for each directory openParent makes: its parent (O_PATH), its name, and its path
// below the root as components.
using ImpliedDirFn = std::function<Result<void>(int parentFd, const std::string& name,
                                                const std::vector<std::string>& path)>;

// Opens the directory root/parts... one component at a time (O_PATH); `create` makes missing
// directories (0755 root, as tar makes the parents an archive does not list), then calls
// `onImplied` (when set) for each.
Result<UniqueFd> openParent(int rootFd, const std::vector<std::string>& parts, bool create,
                            const ImpliedDirFn& onImplied = {});
// Removes parent/name if it exists; a directory only when `dirsToo` (with all it holds).
Result<void> removeExisting(int parentFd, const std::string& name, bool dirsToo);
// trusted.overlay.opaque=y on the directory dirFd (an O_PATH fd is fine).
Result<void> setOpaque(int dirFd);
// An overlay whiteout of parent/name: a character device 0/0.
Result<void> makeWhiteout(int parentFd, const std::string& name);

}  // namespace podkeeper::image
