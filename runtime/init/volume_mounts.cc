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

std::string describe(const VolumeBind& m) {
  return "volume " + quoted(m.name) + " at " + m.destination;
}

// runc's propagation flags for the bind, applied once it is attached (a detached tree's
// propagation cannot be changed).
unsigned long propagationFlags(MountPropagation p) {
  switch (p) {
    case MountPropagation::HostToContainer:
      return MS_REC | MS_SLAVE;
    case MountPropagation::Bidirectional:
      return MS_REC | MS_SHARED;
    case MountPropagation::Private:
      break;
  }
  return MS_REC | MS_PRIVATE;
}

// An image volume's root: its one layer, or a detached read-only overlay of its layers
// (overlayfs wants two lower directories at least when there is no upper one).
Result<UniqueFd> openImageLayers(const VolumeBind& m) {
  const std::string what = describe(m);
  if (m.imageLayers.size() == 1) {
    UniqueFd layer(::open(m.imageLayers[0].c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!layer.valid()) return failSys(errno, what + ": open image layer " + m.imageLayers[0]);
    return layer;
  }
  std::string lowers;
  for (const auto& layer : m.imageLayers) {
    if (!lowers.empty()) lowers += ':';
    for (char c : layer) {
      if (c == ',' || c == ':' || c == '\\') lowers += '\\';
      lowers += c;
    }
  }
  UniqueFd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs.valid()) return failSys(errno, what + ": fsopen overlay");
  if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir", lowers.c_str(), 0) != 0 ||
      ::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    return failSys(errno, what + ": overlay of the image's layers (lowerdir=" + lowers + ")");
  UniqueFd overlay(::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY));
  if (!overlay.valid()) return failSys(errno, what + ": mount the image's overlay");
  return overlay;
}

}  // namespace

Result<VolumeTree> cloneVolume(const VolumeBind& m, int usernsFd) {
  const std::string what = describe(m);
  const bool image = !m.imageLayers.empty();
  UniqueFd source;
  if (image) {
    auto root = openImageLayers(m);
    if (!root) return fail(root.error());
    source = std::move(*root);
    usernsFd = -1;  // overlayfs cannot be idmapped; the files keep the node's ids
  } else {
    source = UniqueFd(::open(m.source.c_str(), O_PATH | O_CLOEXEC));
    if (!source.valid()) return failSys(errno, what + ": open source " + m.source);
  }
  if (image && !m.subPath.empty()) {
    // Nothing is made in an image (a one-layer volume is the node's own snapshot directory).
    auto exists =
        openBeneath(source.get(), m.subPath, O_PATH, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    if (!exists)
      return fail(exists.error().context("failed to prepare subPath for volumeMount " +
                                         quoted(m.name) + " at " + m.destination +
                                         ": not in the image"));
  }
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
  // A detached copy of the source with its submounts; made read-only before it is visible.
  // Cloned from a shared mount, it is in that mount's peer group (Bidirectional relies on it).
  UniqueFd tree(::open_tree(source.get(), "",
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
  if (!tree.valid()) return failSys(errno, what + ": clone " + m.source);
  if (m.readOnly || usernsFd >= 0 || image) {
    mount_attr attr{};
    if (m.readOnly || image) attr.attr_set |= MOUNT_ATTR_RDONLY;
    // An image volume as the kubelet mounts it: read-only, and nothing in it runs or elevates.
    if (image) attr.attr_set |= MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (usernsFd >= 0) {
      attr.attr_set |= MOUNT_ATTR_IDMAP;
      attr.userns_fd = static_cast<uint64_t>(usernsFd);
    }
    // recursiveReadOnly Disabled: only the volume's own mount; the idmap is always recursive,
    // so a non-recursive read-only needs a second call.
    const bool everyMount = m.recursiveReadOnly || usernsFd >= 0;
    if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | (everyMount ? AT_RECURSIVE : 0), &attr,
                        sizeof attr) != 0) {
      return failSys(errno, what + (usernsFd >= 0 ? ": idmap (hostUsers: false) or make read-only"
                                                  : ": make read-only"));
    }
    if (m.readOnly && !m.recursiveReadOnly && usernsFd >= 0) {
      mount_attr rw{};
      rw.attr_clr = MOUNT_ATTR_RDONLY;
      mount_attr ro{};
      ro.attr_set = MOUNT_ATTR_RDONLY;
      if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &rw, sizeof rw) != 0 ||
          ::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &ro, sizeof ro) != 0)
        return failSys(errno, what + ": make read-only (not recursively)");
    }
  }
  return VolumeTree{std::move(tree), S_ISDIR(st.st_mode)};
}

Result<void> attachVolume(int rootFd, const VolumeBind& m, VolumeTree tree) {
  const std::string what = describe(m);
  auto target =
      tree.directory ? openDirInRoot(rootFd, m.destination) : openFileInRoot(rootFd, m.destination);
  if (!target) return fail(target.error().context(what));
  if (::move_mount(tree.fd.get(), "", target->get(), "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    return failSys(errno, what + ": mount");
  }
  auto mounted =
      tree.directory ? openDirInRoot(rootFd, m.destination) : openFileInRoot(rootFd, m.destination);
  if (!mounted) return fail(mounted.error().context(what));
  const std::string path = "/proc/self/fd/" + std::to_string(mounted->get());
  if (::mount(nullptr, path.c_str(), nullptr, propagationFlags(m.propagation), nullptr) != 0)
    return failSys(errno, what + ": set mount propagation");
  return {};
}

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

Result<void> bindVolumes(int rootFd, const std::vector<VolumeBind>& mounts, int usernsFd,
                         std::vector<std::optional<VolumeTree>> cloned) {
  for (size_t i = 0; i < mounts.size(); ++i) {
    std::optional<VolumeTree> tree;
    if (i < cloned.size()) tree = std::move(cloned[i]);
    if (!tree) {
      auto made = cloneVolume(mounts[i], usernsFd);
      if (!made) return fail(made.error());
      tree = std::move(*made);
    }
    if (auto r = attachVolume(rootFd, mounts[i], std::move(*tree)); !r) return r;
  }
  return {};
}

}  // namespace podkeeper::runtime
