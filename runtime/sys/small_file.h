#pragma once

#include <cstddef>
#include <string>

#include "common/error.h"

// Reading a small file that something untrusted may have placed (an image's /etc/passwd, a
// container's termination message): the one way the agent does it. A FIFO, a device or a
// socket there must not block the agent, a symlink must not lead it out of the tree, and a
// huge file must not eat its memory.
namespace podkeeper::runtime {

struct SmallFileRead {
  size_t maxBytes = 0;
  // Over maxBytes: false refuses the file naming it; true returns its first maxBytes (as the
  // kubelet cuts a termination message).
  bool truncate = false;
  // false: a symlink anywhere in path is refused (O_NOFOLLOW, RESOLVE_NO_SYMLINKS). true:
  // symlinks are followed, but only inside the root (RESOLVE_IN_ROOT: "/" and ".." stop at
  // it), as an image's /etc/passwd may be a link to another file of the image.
  bool followSymlinksInRoot = false;
};

// path (relative; a leading "/" is read inside rootFd) below the directory rootFd, opened
// O_RDONLY|O_NONBLOCK|O_CLOEXEC, never through /proc magic links; it must be a regular file.
// ENOENT in the error code when it does not exist. Errors name `name` (what the caller calls
// the file, e.g. its host path).
Result<std::string> readSmallFileAt(int rootFd, const std::string& path, const SmallFileRead& how,
                                    const std::string& name);

// The same below the directory root.
Result<std::string> readSmallFile(const std::string& root, const std::string& path,
                                  const SmallFileRead& how);

}  // namespace podkeeper::runtime
