#include "common/make_dirs.h"

#include <sys/stat.h>

#include <cerrno>

namespace podkeeper {

namespace {

// The parent of path ("" when it has none: a single relative component or the root).
std::string_view parentOf(std::string_view path) {
  const size_t last = path.find_last_not_of('/');
  if (last == std::string_view::npos) return {};
  const size_t slash = path.rfind('/', last);
  if (slash == std::string_view::npos) return {};
  const size_t end = path.find_last_not_of('/', slash);
  return end == std::string_view::npos ? path.substr(0, 1) : path.substr(0, end + 1);
}

bool madeOrThere(const std::string& path, mode_t mode) {
  return ::mkdir(path.c_str(), mode) == 0 || errno == EEXIST;
}

}  // namespace

Result<void> makeDirs(const std::string& path, mode_t mode, std::string_view stopAt) {
  if (path.empty() || madeOrThere(path, mode)) return {};
  if (errno != ENOENT) return failSys(errno, "mkdir " + path);
  const std::string_view parent = parentOf(path);
  if (parent.empty() || parent == path || (!stopAt.empty() && parent.size() <= stopAt.size()))
    return failSys(ENOENT, "mkdir " + path);
  if (auto r = makeDirs(std::string(parent), mode, stopAt); !r) return r;
  if (!madeOrThere(path, mode)) return failSys(errno, "mkdir " + path);
  return {};
}

}  // namespace podkeeper
