#include "runtime/sys/file_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "common/unique_fd.h"

namespace podkeeper::runtime {
namespace {

using DirStream = std::unique_ptr<DIR, int (*)(DIR*)>;

// One directory being listed: its stream (which owns the fd) and its path for messages.
struct OpenDir {
  DirStream stream;
  std::string path;
};

Result<OpenDir> openDir(int fd, std::string path) {
  UniqueFd owned(fd);
  DirStream d(::fdopendir(owned.get()), &::closedir);
  if (!d) return failSys(errno, "opendir " + path);
  owned.release();
  return OpenDir{std::move(d), std::move(path)};
}

}  // namespace

Result<void> walkTree(int rootFd, const std::string& rootName, const TreeBudget& budget,
                      const std::function<Result<void>(const TreeEntry&)>& visit) {
  struct stat rootSt {};
  if (::fstat(rootFd, &rootSt) != 0) return failSys(errno, "stat " + rootName);
  const int first = ::openat(rootFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (first < 0) return failSys(errno, "open " + rootName);
  auto root = openDir(first, rootName);
  if (!root) return fail(root.error());
  std::vector<OpenDir> stack;
  stack.push_back(std::move(*root));
  uint64_t entries = 0;
  while (!stack.empty()) {
    OpenDir& top = stack.back();
    errno = 0;
    const dirent* e = ::readdir(top.stream.get());
    if (!e) {
      if (errno != 0) return failSys(errno, "readdir " + top.path);
      stack.pop_back();
      continue;
    }
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    const int dirFd = ::dirfd(top.stream.get());
    std::string path = top.path + "/" + std::string(name);
    if (++entries > budget.maxEntries) {
      return failMsg(path + ": more than " + std::to_string(budget.maxEntries) + " entries below " +
                     rootName + "; not walked further");
    }
    struct stat st {};
    if (::fstatat(dirFd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed meanwhile
      return failSys(errno, "stat " + path);
    }
    if (auto r = visit(TreeEntry{dirFd, e->d_name, st, path}); !r) return r;
    if (!S_ISDIR(st.st_mode) || st.st_dev != rootSt.st_dev) continue;
    if (stack.size() > budget.maxDepth) {
      return failMsg(path + ": more than " + std::to_string(budget.maxDepth) +
                     " directories deep below " + rootName + "; not walked further");
    }
    const int sub = ::openat(dirFd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) {
      if (errno == ENOENT) continue;
      return failSys(errno, "open " + path);
    }
    auto child = openDir(sub, std::move(path));
    if (!child) return fail(child.error());
    stack.push_back(std::move(*child));
  }
  return {};
}

Result<uint64_t> diskUsage(const std::string& dir, const TreeBudget& budget) {
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.valid()) return failSys(errno, "open " + dir);
  struct stat st {};
  if (::fstat(root.get(), &st) != 0) return failSys(errno, "stat " + dir);
  uint64_t bytes = uint64_t(st.st_blocks) * 512;
  std::set<std::pair<dev_t, ino_t>> linked;  // hard links counted once, as du does
  auto r = walkTree(root.get(), dir, budget, [&](const TreeEntry& e) -> Result<void> {
    if (e.st.st_nlink > 1 && !S_ISDIR(e.st.st_mode) &&
        !linked.insert({e.st.st_dev, e.st.st_ino}).second)
      return {};
    bytes += uint64_t(e.st.st_blocks) * 512;
    return {};
  });
  if (!r) return fail(r.error());
  return bytes;
}

namespace {

bool sameInode(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Removes what is not a directory in the directory fd and returns the name of its first
// subdirectory, or "" once it is empty. Whatever is below another mount is refused.
// Paths are built only for messages: a tree may be far deeper than PATH_MAX.
Result<std::string> clearFiles(int fd, const std::string& path, dev_t dev) {
  UniqueFd listFd(::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!listFd.valid()) return failSys(errno, "open " + path);
  DirStream d(::fdopendir(listFd.get()), &::closedir);
  if (!d) return failSys(errno, "opendir " + path);
  listFd.release();
  const auto at = [&](const char* name) { return path + "/" + name; };
  while (true) {
    errno = 0;
    const dirent* e = ::readdir(d.get());
    if (!e) {
      if (errno != 0) return failSys(errno, "readdir " + path);
      return std::string();
    }
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return failSys(errno, "stat " + at(e->d_name));
    }
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != dev) return failMsg("remove " + at(e->d_name) + ": a mount point");
      return std::string(name);
    }
    if (::unlinkat(fd, e->d_name, 0) != 0 && errno != ENOENT)
      return failSys(errno, "remove " + at(e->d_name));
  }
}

}  // namespace

Result<void> removeTree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return failSys(errno, "stat " + path);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return failSys(errno, "remove " + path);
    return {};
  }
  UniqueFd cur(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!cur.valid()) return failSys(errno, "open " + path);
  if (::fstat(cur.get(), &st) != 0) return failSys(errno, "stat " + path);
  const dev_t dev = st.st_dev;
  // The way down: each directory's name and its parent's identity, to check the way back up.
  struct Step {
    std::string name;
    struct stat parent;
  };
  std::vector<Step> down;
  std::string where = path;  // for messages
  struct stat here = st;
  while (true) {
    auto name = clearFiles(cur.get(), where, dev);
    if (!name) return fail(name.error());
    if (!name->empty()) {
      UniqueFd sub(
          ::openat(cur.get(), name->c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) {
        if (errno == ENOENT) continue;
        return failSys(errno, "open " + where + "/" + *name);
      }
      down.push_back({*name, here});
      where += "/";
      where += *name;
      if (::fstat(sub.get(), &here) != 0) return failSys(errno, "stat " + where);
      if (here.st_dev != dev) return failMsg("remove " + where + ": a mount point");
      cur = std::move(sub);
      continue;
    }
    if (down.empty()) break;
    const Step step = std::move(down.back());
    down.pop_back();
    where.resize(where.size() - step.name.size() - 1);
    UniqueFd parent(::openat(cur.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent.valid()) return failSys(errno, "open " + where);
    if (::fstat(parent.get(), &here) != 0) return failSys(errno, "stat " + where);
    if (!sameInode(here, step.parent)) return failMsg("remove " + where + ": moved meanwhile");
    if (::unlinkat(parent.get(), step.name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
      return failSys(errno, "remove " + where + "/" + step.name);
    cur = std::move(parent);
  }
  cur.reset();
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return failSys(errno, "remove " + path);
  return {};
}

}  // namespace podkeeper::runtime
