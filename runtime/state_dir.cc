#include "runtime/state_dir.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace podkeeper::runtime {

Result<void> checkPathComponent(const std::string& what, const std::string& value) {
  if (value.empty() || value == "." || value == ".." || value.find('/') != std::string::npos ||
      value.find('\0') != std::string::npos) {
    return failMsg(what + " \"" + value + "\" is not a valid path component");
  }
  return {};
}

Result<void> checkCgroupPath(const std::string& what, const std::string& path) {
  const auto bad = [&] { return failMsg(what + " \"" + path + "\" is not a usable cgroup path"); };
  if (path.empty() || path.front() == '/' || path.back() == '/') return bad();
  size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == "..") return bad();
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return {};
}

Result<std::vector<std::string>> listSubdirs(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) {
    if (errno == ENOENT) return std::vector<std::string>{};
    return failSys(errno, "opendir " + dir);
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> makeDirs(const std::string& path, mode_t mode) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return failSys(errno, "mkdir " + prefix);
    }
  }
  return {};
}

}  // namespace podkeeper::runtime
