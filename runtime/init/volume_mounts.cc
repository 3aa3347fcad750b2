#include "runtime/init/volume_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>

#include "runtime/init/rootfs.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

Result<UniqueFd> openBeneath(int dirFd, const std::string& path, int flags, uint64_t resolve) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = resolve;
  UniqueFd fd(sys::openat2(dirFd, path.c_str(), how));
  if (!fd.valid()) return failSys(errno, quoted(path));
  return fd;
}

// The components of a relative path, without empty and "." ones.
std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    const auto slash = path.find('/', pos);
    const std::string part = path.substr(pos, slash == std::string::npos ? slash : slash - pos);
    if (!part.empty() && part != ".") out.push_back(part);
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return out;
}

// name made in the directory parentFd, with exactly mode (the umask does not apply).
Result<void> makeDirectory(int parentFd, const std::string& name, mode_t mode) {
  if (::mkdirat(parentFd, name.c_str(), 0700) != 0) return failSys(errno, "mkdir " + quoted(name));
  auto made = openBeneath(parentFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
                          RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
  if (!made) return fail(made.error());
  if (::fchmod(made->get(), mode) != 0) return failSys(errno, "chmod " + quoted(name));
  return {};
}

Result<void> bindVolume(int rootFd, const VolumeBind& m, int usernsFd) {
  const std::string what = "volume " + quoted(m.name) + " at " + m.destination;
  UniqueFd source(::open(m.source.c_str(), O_PATH | O_CLOEXEC));
  if (!source.valid()) return failSys(errno, what + ": open source " + m.source);
  if (!m.subPath.empty()) {
    auto sub = openSubPath(source.get(), m.subPath);
    if (!sub) {
      return fail(sub.error().context("failed to prepare subPath for volumeMount " +
                                      quoted(m.name) + " at " + m.destination));
    }
    source = std::move(*sub);
  }
  struct stat st {};
  if (::fstat(source.get(), &st) != 0) return failSys(errno, what + ": stat source");
  auto target = S_ISDIR(st.st_mode) ? openDirInRoot(rootFd, m.destination)
                                    : openFileInRoot(rootFd, m.destination);
  if (!target) return fail(target.error().context(what));
  // A detached copy of the source with its submounts; made read-only before it is visible.
  UniqueFd tree(::open_tree(source.get(), "",
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
  if (!tree.valid()) return failSys(errno, what + ": clone " + m.source);
  if (m.readOnly || usernsFd >= 0) {
    mount_attr attr{};
    if (m.readOnly) attr.attr_set |= MOUNT_ATTR_RDONLY;
    if (usernsFd >= 0) {
      attr.attr_set |= MOUNT_ATTR_IDMAP;
      attr.userns_fd = static_cast<uint64_t>(usernsFd);
    }
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) {
      return failSys(errno, what + (usernsFd >= 0 ? ": idmap (hostUsers: false) or make read-only"
                                                  : ": make read-only"));
    }
  }
  if (::move_mount(tree.get(), "", target->get(), "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    return failSys(errno, what + ": mount");
  }
  return {};
}

}  // namespace

Result<UniqueFd> openSubPath(int volumeFd, const std::string& subPath) {
  const std::string what = "subPath " + quoted(subPath);
  if (subPath.starts_with("/")) return failMsg(what + " must be a relative path");
  struct stat root {};
  if (::fstat(volumeFd, &root) != 0) return failSys(errno, what + ": stat the volume");
  if (!S_ISDIR(root.st_mode)) return failMsg(what + ": the volume is not a directory");
  const mode_t mode = root.st_mode & 07777;
  constexpr uint64_t kResolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

  UniqueFd current(::fcntl(volumeFd, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) return failSys(errno, what);
  std::string prefix;
  for (const auto& name : components(subPath)) {
    prefix += (prefix.empty() ? "" : "/") + name;
    auto next = openBeneath(volumeFd, prefix, O_PATH, kResolve);
    if (!next && next.error().code == ENOENT) {
      if (auto made = makeDirectory(current.get(), name, mode); !made) {
        return fail(made.error().context(what));
      }
      next = openBeneath(volumeFd, prefix, O_PATH, kResolve);
    }
    if (!next && next.error().code == EXDEV) {
      return failMsg(what + ": " + quoted(prefix) +
                     " leads outside the volume (a symlink points out of it)");
    }
    if (!next) return fail(next.error().context(what));
    current = std::move(*next);
  }
  return current;
}

Result<void> bindVolumes(int rootFd, const std::vector<VolumeBind>& mounts, int usernsFd) {
  for (const auto& m : mounts) {
    if (auto r = bindVolume(rootFd, m, usernsFd); !r) return r;
  }
  return {};
}

}  // namespace podkeeper::runtime
