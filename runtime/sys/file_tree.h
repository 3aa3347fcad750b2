#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>

#include "common/error.h"

// Walking a directory tree that a container may have built: iteratively, with an explicit
// stack of directory fds (so no tree is deep enough to exhaust the agent's stack), never
// following a symlink, never crossing into another mount, and within a budget that ends a
// walk of a tree too deep or too large with an error naming the path where it stopped.
namespace podkeeper::runtime {

struct TreeBudget {
  size_t maxDepth = 512;           // directories below the root; also bounds the fds held
  uint64_t maxEntries = 1u << 20;  // entries visited, the root excluded
};

struct TreeEntry {
  int parentFd;             // the directory holding it (valid during the visit)
  const char* name;         // its name in that directory
  const struct stat& st;    // lstat of it
  const std::string& path;  // rootName/.../name, for messages
};

// Calls visit for every entry below the directory rootFd (the root itself excluded), parents
// before children. Entries on another device are visited but not entered. Entries that vanish
// during the walk are skipped. Errors from visit end the walk.
Result<void> walkTree(int rootFd, const std::string& rootName, const TreeBudget& budget,
                      const std::function<Result<void>(const TreeEntry&)>& visit);

// Bytes used on disk below dir (st_blocks, each inode counted once), dir included.
Result<uint64_t> diskUsage(const std::string& dir, const TreeBudget& budget = {});

// Removes path and everything below it, however deep: iteratively, holding one directory fd
// at a time (it climbs back through "..", checked against the directory it came from), never
// following a symlink. A mount below path is an error (unmount it first). A missing path is
// fine.
Result<void> removeTree(const std::string& path);

}  // namespace podkeeper::runtime
