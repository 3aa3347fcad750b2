#include "image/unpack/fs_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/sys/syscalls.h"

namespace podkeeper::image {
namespace {

constexpr uint64_t kResolve =
    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
constexpr int kMaxRemoveDepth = 512;

Error resolveError(int err, const std::string& path) {
  if (err == ELOOP) return Error{EPERM, "\"" + path + "\" crosses a symlink (not followed)"};
  if (err == EXDEV) return Error{EPERM, "\"" + path + "\" escapes the layer"};
  return Error::sys(err, "open \"" + path + "\"");
}

Result<void> removeAt(int parentFd, const std::string& name, int depth) {
  struct stat st {};
  if (::fstatat(parentFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return failSys(errno, "stat " + name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parentFd, name.c_str(), 0) != 0) return failSys(errno, "remove " + name);
    return {};
  }
  if (depth > kMaxRemoveDepth) return fail(Error{ELOOP, "directory tree too deep at " + name});
  const int fd = ::openat(parentFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return failSys(errno, "open " + name);
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return failSys(errno, "open " + name);
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  Result<void> r;
  for (const auto& n : names) {
    r = removeAt(::dirfd(dir), n, depth + 1);
    if (!r) break;
  }
  ::closedir(dir);
  if (!r) return r;
  if (::unlinkat(parentFd, name.c_str(), AT_REMOVEDIR) != 0) return failSys(errno, "rmdir " + name);
  return {};
}

}  // namespace

Result<UniqueFd> openBeneath(int rootFd, const std::vector<std::string>& parts, int flags) {
  std::string path;
  for (const auto& p : parts) {
    if (!path.empty()) path += '/';
    path += p;
  }
  if (path.empty()) path.push_back('.');
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = kResolve;
  const int fd = runtime::sys::openat2(rootFd, path.c_str(), how);
  if (fd < 0) return fail(resolveError(errno, path));
  return UniqueFd(fd);
}

Result<UniqueFd> openParent(int rootFd, const std::vector<std::string>& parts, bool create,
                            const ImpliedDirFn& onImplied) {
  UniqueFd cur(::openat(rootFd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cur.valid()) return failSys(errno, "open layer root");
  std::string path;
  for (const auto& p : parts) {
    if (!path.empty()) path += '/';
    path += p;
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = kResolve;
    int fd = runtime::sys::openat2(cur.get(), p.c_str(), how);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), p.c_str(), 0755) != 0) {
        if (errno != EEXIST) return failSys(errno, "mkdir \"" + path + "\"");
      } else if (onImplied) {
        const std::vector<std::string> below(parts.begin(),
                                             parts.begin() + (&p - parts.data()) + 1);
        if (auto r = onImplied(cur.get(), p, below); !r) return fail(r.error());
      }
      fd = runtime::sys::openat2(cur.get(), p.c_str(), how);
    }
    if (fd < 0) {
      const int err = errno;
      struct stat st {};
      if (err == ENOTDIR && ::fstatat(cur.get(), p.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode))
        return fail(resolveError(ELOOP, path));
      return fail(resolveError(err, path));
    }
    cur = UniqueFd(fd);
  }
  return cur;
}

Result<void> removeExisting(int parentFd, const std::string& name, bool dirsToo) {
  struct stat st {};
  if (::fstatat(parentFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return failSys(errno, "stat");
  }
  if (S_ISDIR(st.st_mode) && !dirsToo) return fail(Error{EISDIR, "a directory is in the way"});
  return removeAt(parentFd, name, 0);
}

Result<void> setOpaque(int dirFd) {
  UniqueFd dir(::openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return failSys(errno, "open directory for opaque whiteout");
  if (::fsetxattr(dir.get(), "trusted.overlay.opaque", "y", 1, 0) != 0)
    return failSys(errno, "set trusted.overlay.opaque");
  return {};
}

Result<void> makeWhiteout(int parentFd, const std::string& name) {
  if (auto r = removeExisting(parentFd, name, true); !r) return r;
  if (::mknodat(parentFd, name.c_str(), S_IFCHR, makedev(0, 0)) != 0)
    return failSys(errno, "make whiteout for " + name);
  return {};
}

}  // namespace podkeeper::image
