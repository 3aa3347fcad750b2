#include "runtime/init/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "runtime/init/idmapped_mount.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime {
namespace {

constexpr const char* kMaskedPaths[] = {"/proc/acpi",
                                        "/proc/asound",
                                        "/proc/kcore",
                                        "/proc/keys",
                                        "/proc/latency_stats",
                                        "/proc/timer_list",
                                        "/proc/timer_stats",
                                        "/proc/sched_debug",
                                        "/proc/scsi",
                                        "/sys/firmware",
                                        "/sys/devices/virtual/powercap"};
constexpr const char* kReadonlyPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                          "/proc/sysrq-trigger"};

struct Device {
  const char* name;
  unsigned major, minor;
};
constexpr Device kDevices[] = {{"null", 1, 3}, {"zero", 1, 5},   {"full", 1, 7},
                               {"tty", 5, 0},  {"random", 1, 8}, {"urandom", 1, 9}};
constexpr std::pair<const char*, const char*> kDevLinks[] = {
    {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},         {"core", "/proc/kcore"}};

std::string fdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<void> mountAt(const char* source, int targetFd, const char* fstype, unsigned long flags,
                     const char* data, const std::string& what) {
  if (::mount(source, fdPath(targetFd).c_str(), fstype, flags, data) != 0) {
    return failSys(errno, "mount " + what);
  }
  return {};
}

Result<UniqueFd> openInRoot(int rootFd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const std::string rel = path.starts_with("/") ? path.substr(1) : path;
  UniqueFd fd(sys::openat2(rootFd, rel.c_str(), how));
  if (!fd.valid()) return failSys(errno, "open " + path + " in the container rootfs");
  return fd;
}

// Mount options owning a tmpfs (or devpts) by the container's root in its user namespace.
std::string ownedBy(const RootfsPlan& plan, uint32_t gidOffset = 0) {
  if (plan.userNamespaceFd < 0) return "";
  const uint32_t id = plan.userNamespaceHostId;
  return (gidOffset ? "" : ",uid=" + std::to_string(id)) + ",gid=" + std::to_string(id + gidOffset);
}

Result<void> mountDev(int rootFd, const RootfsPlan& plan) {
  auto dev = openDirInRoot(rootFd, "/dev");
  if (!dev) return fail(dev.error());
  const std::string devOptions = "mode=755,size=65536k" + ownedBy(plan);
  if (auto r = mountAt("tmpfs", dev->get(), "tmpfs", MS_NOSUID | MS_STRICTATIME, devOptions.c_str(),
                       "/dev");
      !r) {
    return r;
  }
  auto devFd = openInRoot(rootFd, "/dev", O_DIRECTORY);  // the new tmpfs, not what it covers
  if (!devFd) return fail(devFd.error());
  for (const auto& d : kDevices) {
    if (::mknodat(devFd->get(), d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0) {
      return failSys(errno, std::string("mknod /dev/") + d.name);
    }
  }
  for (const auto& [name, target] : kDevLinks) {
    if (::symlinkat(target, devFd->get(), name) != 0) {
      return failSys(errno, std::string("symlink /dev/") + name);
    }
  }
  if (plan.userNamespaceFd >= 0) {
    const uint32_t id = plan.userNamespaceHostId;
    for (const auto& d : kDevices)
      if (::fchownat(devFd->get(), d.name, id, id, AT_SYMLINK_NOFOLLOW) != 0)
        return failSys(errno, std::string("chown /dev/") + d.name);
    for (const auto& link : kDevLinks)
      if (::fchownat(devFd->get(), link.first, id, id, AT_SYMLINK_NOFOLLOW) != 0)
        return failSys(errno, std::string("chown /dev/") + link.first);
  }
  // devpts's tty group (5) and shm's owner as the container sees them.
  const std::string ptsOptions =
      "newinstance,ptmxmode=0666,mode=0620" +
      (plan.userNamespaceFd < 0 ? std::string(",gid=5") : ownedBy(plan, 5));
  const std::string shmOptions = "mode=1777,size=65536k" + ownedBy(plan);
  struct Sub {
    const char* dir;
    const char* fstype;
    unsigned long flags;
    const char* data;
  };
  const Sub subs[] = {{"pts", "devpts", MS_NOSUID | MS_NOEXEC, ptsOptions.c_str()},
                      {"shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shmOptions.c_str()},
                      {"mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr}};
  for (const auto& s : subs) {
    auto dir = openDirInRoot(rootFd, std::string("/dev/") + s.dir);
    if (!dir) return fail(dir.error());
    if (auto r =
            mountAt(s.fstype, dir->get(), s.fstype, s.flags, s.data, std::string("/dev/") + s.dir);
        !r) {
      return r;
    }
  }
  return {};
}

Result<void> bindPodFiles(int rootFd, const std::string& sandboxDir) {
  for (const char* name : {"hostname", "hosts", "resolv.conf"}) {
    const std::string source = sandboxDir + "/" + name;
    if (::access(source.c_str(), R_OK) != 0) continue;
    auto target = openFileInRoot(rootFd, std::string("/etc/") + name);
    if (!target) return fail(target.error());
    if (auto r = mountAt(source.c_str(), target->get(), nullptr, MS_BIND, nullptr,
                         std::string("/etc/") + name);
        !r) {
      return r;
    }
  }
  return {};
}

// Read-only from here on, through the mount. A remount sets every per-mount flag: those the
// mount was made with (`flags`) are given again, else it clears them.
Result<void> remountReadOnly(int rootFd, const std::string& path, unsigned long flags) {
  auto mounted = openInRoot(rootFd, path, O_PATH);
  if (!mounted) return fail(mounted.error());
  return mountAt(nullptr, mounted->get(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | flags,
                 nullptr, path + " read-only");
}

// The host's cgroup layout at /sys/fs/cgroup, each hierarchy rooted at the container's
// cgroup by its cgroup namespace; a tmpfs holds them when there are several. A hierarchy is
// mounted read-only in the one mount call (MS_RDONLY on a new mount of an existing superblock
// makes that mount read-only, the superblock stays as the host has it), as runc mounts
// cgroup2; a remount after it was one more mount per hierarchy.
Result<void> mountCgroups(int rootFd, const std::vector<ContainerCgroupMount>& mounts,
                          bool privileged) {
  if (mounts.empty()) return {};
  const std::string base = "/sys/fs/cgroup";
  const unsigned long flags = MS_NOSUID | MS_NOEXEC | MS_NODEV;
  const unsigned long hierarchyFlags = flags | (privileged ? 0 : MS_RDONLY);
  auto baseFd = openDirInRoot(rootFd, base);
  if (!baseFd) return fail(baseFd.error());
  const bool single = mounts.size() == 1 && mounts[0].name.empty();
  if (single) {
    const auto& m = mounts[0];
    const char* data = m.options.empty() ? nullptr : m.options.c_str();
    return mountAt(m.fsType.c_str(), baseFd->get(), m.fsType.c_str(), hierarchyFlags, data, base);
  }
  if (auto r = mountAt("tmpfs", baseFd->get(), "tmpfs", flags, "mode=755", base); !r) return r;
  // The tmpfs just made holds only what is made here (nothing of the container has run):
  // each hierarchy's directory is made and opened beneath it, not walked to from the root.
  auto tmpfs = openInRoot(rootFd, base, O_DIRECTORY);
  if (!tmpfs) return fail(tmpfs.error());
  open_how beneath{};
  beneath.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  beneath.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV;
  for (const auto& m : mounts) {
    const std::string path = base + "/" + m.name;
    if (::mkdirat(tmpfs->get(), m.name.c_str(), 0755) != 0 && errno != EEXIST)
      return failSys(errno, "mkdir " + path + " in the container rootfs");
    UniqueFd dir(sys::openat2(tmpfs->get(), m.name.c_str(), beneath));
    if (!dir.valid()) return failSys(errno, "open " + path + " in the container rootfs");
    const char* data = m.options.empty() ? nullptr : m.options.c_str();
    if (auto r = mountAt(m.fsType.c_str(), dir.get(), m.fsType.c_str(), hierarchyFlags, data, path);
        !r) {
      return r;
    }
  }
  for (const auto& m : mounts) {  // "cpu" and "cpuacct" lead to "cpu,cpuacct"
    if (m.name.find(',') == std::string::npos) continue;
    size_t start = 0;
    while (start < m.name.size()) {
      const auto comma = m.name.find(',', start);
      const std::string part = m.name.substr(start, comma - start);
      (void)::symlinkat(m.name.c_str(), tmpfs->get(), part.c_str());
      start = comma == std::string::npos ? m.name.size() : comma + 1;
    }
  }
  return privileged ? Result<void>{} : remountReadOnly(rootFd, base, flags);
}

Result<void> mountKernelFs(int rootFd, bool privileged) {
  auto proc = openDirInRoot(rootFd, "/proc");
  if (!proc) return fail(proc.error());
  if (auto r =
          mountAt("proc", proc->get(), "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, nullptr, "/proc");
      !r) {
    return r;
  }
  auto sys = openDirInRoot(rootFd, "/sys");
  if (!sys) return fail(sys.error());
  const unsigned long roFlag = privileged ? 0 : MS_RDONLY;
  return mountAt("sysfs", sys->get(), "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | roFlag, nullptr,
                 "/sys");
}

// The container's own /dev/null, checked before it serves as the mask of kernel paths: a bind
// of anything else (a symlink, a file, a volume) over /proc paths would expose that file
// where the kernel's is expected (CVE-2025-31133). Opened from the /dev tmpfs just made, before
// any volume can be mounted over /dev, and bound from this fd, never by path.
Result<UniqueFd> openNullDevice(int rootFd) {
  auto fd = openInRoot(rootFd, "/dev/null", O_PATH | O_NOFOLLOW);
  if (!fd) return fail(fd.error().context("mask source"));
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return failSys(errno, "stat /dev/null in the container rootfs");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3) {
    char mode[16];
    ::snprintf(mode, sizeof mode, "0%o", st.st_mode);
    return failMsg("/dev/null in the container rootfs is not the null device (char 1:3): mode " +
                   std::string(mode) + ", device " + std::to_string(major(st.st_rdev)) + ":" +
                   std::to_string(minor(st.st_rdev)) + "; refusing to mask kernel paths with it");
  }
  return fd;
}

// A directory gets a read-only tmpfs, anything else the verified null device.
Result<void> maskPath(int rootFd, int nullFd, const std::string& path) {
  auto target = openInRoot(rootFd, path, O_PATH | O_NOFOLLOW);
  if (!target && target.error().code == ENOENT) return {};  // not on this kernel
  if (!target) return fail(target.error());
  struct stat st {};
  if (::fstat(target->get(), &st) != 0) return failSys(errno, "stat " + path);
  if (S_ISDIR(st.st_mode)) {
    return mountAt("tmpfs", target->get(), "tmpfs", MS_RDONLY, nullptr, "mask " + path);
  }
  return mountAt(fdPath(nullFd).c_str(), target->get(), nullptr, MS_BIND, nullptr, "mask " + path);
}

Result<void> bindReadOnly(int rootFd, const std::string& path) {
  auto target = openInRoot(rootFd, path, O_PATH | O_NOFOLLOW);
  if (!target && target.error().code == ENOENT) return {};
  if (!target) return fail(target.error());
  if (auto r = mountAt(fdPath(target->get()).c_str(), target->get(), nullptr, MS_BIND | MS_REC,
                       nullptr, path + " onto itself");
      !r) {
    return r;
  }
  auto mounted = openInRoot(rootFd, path, O_PATH | O_NOFOLLOW);  // the bind just made
  if (!mounted) return fail(mounted.error());
  return mountAt(nullptr, mounted->get(), nullptr,
                 MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr,
                 path + " read-only");
}

// Masked and read-only kernel paths, as runc's defaults. Done through the root fd before
// pivoting and before the pod's volumes are mounted, so no volume can stand in for /dev/null
// or cover a path before it is masked.
Result<void> maskKernelPaths(int rootFd) {
  auto null = openNullDevice(rootFd);
  if (!null) return fail(null.error());
  for (const char* path : kMaskedPaths) {
    if (auto r = maskPath(rootFd, null->get(), path); !r) return r;
  }
  for (const char* path : kReadonlyPaths) {
    if (auto r = bindReadOnly(rootFd, path); !r) return r;
  }
  return {};
}

}  // namespace

Result<UniqueFd> openDirInRoot(int rootFd, const std::string& path) {
  // Most are there (the image's /proc, /sys, /dev): one lookup, not one per component.
  if (auto whole = openInRoot(rootFd, path, O_PATH | O_DIRECTORY);
      whole || whole.error().code != ENOENT)
    return whole;
  std::string prefix;
  UniqueFd current(::dup(rootFd));
  size_t pos = 0;
  while (pos < path.size()) {
    const auto next = path.find('/', pos);
    const std::string name = path.substr(pos, next == path.npos ? path.npos : next - pos);
    pos = next == path.npos ? path.size() : next + 1;
    if (name.empty()) continue;
    prefix += "/" + name;
    auto fd = openInRoot(rootFd, prefix, O_PATH | O_DIRECTORY);
    if (!fd && fd.error().code == ENOENT) {
      if (::mkdirat(current.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        return failSys(errno, "mkdir " + prefix + " in the container rootfs");
      }
      fd = openInRoot(rootFd, prefix, O_PATH | O_DIRECTORY);
    }
    if (!fd) return fail(fd.error());
    current = std::move(*fd);
  }
  return current;
}

Result<UniqueFd> openFileInRoot(int rootFd, const std::string& path) {
  auto existing = openInRoot(rootFd, path, O_PATH);
  if (existing || existing.error().code != ENOENT) return existing;
  const auto slash = path.rfind('/');
  auto dir = openDirInRoot(rootFd, path.substr(0, slash));
  if (!dir) return fail(dir.error());
  UniqueFd created(::openat(dir->get(), path.substr(slash + 1).c_str(),
                            O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!created.valid()) return failSys(errno, "create " + path + " in the container rootfs");
  return openInRoot(rootFd, path, O_PATH);
}

Result<OverlayMount> overlayOptions(const std::vector<std::string>& lowers,
                                    const std::string& upper, const std::string& work) {
  if (lowers.empty()) return failMsg("overlay: no lower directory");
  // overlayfs splits options on ',' and lower layers on ':'; a backslash escapes both.
  auto escape = [](std::string_view path) {
    std::string out;
    for (char c : path) {
      if (c == ',' || c == ':' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  };
  auto build = [&](size_t strip) {
    std::string opts = "lowerdir=";
    for (size_t i = 0; i < lowers.size(); ++i) {
      if (i > 0) opts += ':';
      opts += escape(std::string_view(lowers[i]).substr(strip));
    }
    return opts + ",upperdir=" + escape(upper) + ",workdir=" + escape(work);
  };
  OverlayMount m{build(0), ""};
  if (m.options.size() <= kMountOptionsMax) return m;
  // The longest directory prefix ("/a/b/") every lower shares, when each is below it.
  std::string common = lowers[0].substr(0, lowers[0].rfind('/') + 1);
  for (const auto& l : lowers)
    while (!common.empty() && !l.starts_with(common))
      common = common.substr(0, common.rfind('/', common.size() - 2) + 1);
  if (common.size() > 1) {
    m = {build(common.size()), common.substr(0, common.size() - 1)};
    if (m.options.size() <= kMountOptionsMax) return m;
  }
  return failMsg("overlay: " + std::to_string(lowers.size()) + " layers need " +
                 std::to_string(m.options.size()) + " bytes of mount options, more than a page");
}

Result<void> prepareRootfs(const RootfsPlan& plan) {
  // Bidirectional volumes are cloned while the host's mounts are still shared here, so the
  // clone joins their peer group; everything else is cloned from the rslave copy below.
  std::vector<std::optional<VolumeTree>> cloned(plan.mounts.size());
  for (size_t i = 0; i < plan.mounts.size(); ++i) {
    if (plan.mounts[i].propagation != MountPropagation::Bidirectional) continue;
    auto tree = cloneVolume(plan.mounts[i], plan.userNamespaceFd);
    if (!tree) return fail(tree.error());
    cloned[i] = std::move(*tree);
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    return failSys(errno, "make / rslave");
  }
  auto opts = overlayOptions(plan.lowerDirs, plan.upperDir, plan.workDir);
  if (!opts) return fail(opts.error());
  if (plan.userNamespaceFd >= 0) {
    for (const auto& lower : plan.lowerDirs)
      if (auto r = idmapInPlace(lower, plan.userNamespaceFd); !r) return r;
  }
  if (!opts->chdir.empty() && ::chdir(opts->chdir.c_str()) != 0)
    return failSys(errno, "chdir " + opts->chdir + " for the overlay's lower directories");
  if (::mount("overlay", plan.mergedDir.c_str(), "overlay", 0, opts->options.c_str()) != 0) {
    return failSys(errno, "mount overlay on " + plan.mergedDir + " (" + opts->options + ")");
  }
  UniqueFd root(::open(plan.mergedDir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return failSys(errno, "open " + plan.mergedDir);
  if (auto r = mountKernelFs(root.get(), plan.privileged); !r) return r;
  if (auto r = mountCgroups(root.get(), plan.cgroupMounts, plan.privileged); !r) return r;
  if (auto r = mountDev(root.get(), plan); !r) return r;
  if (!plan.privileged && !plan.unmaskedProc) {
    if (auto r = maskKernelPaths(root.get()); !r) return r;
  }
  if (auto r = bindPodFiles(root.get(), plan.sandboxDir); !r) return r;
  if (auto r = bindVolumes(root.get(), plan.mounts, plan.userNamespaceFd, std::move(cloned)); !r)
    return r;
  auto cwd = openDirInRoot(root.get(), plan.workingDir);
  if (!cwd) return fail(cwd.error().context("workingDir"));
  return {};
}

Result<void> pivotInto(const std::string& mergedDir) {
  UniqueFd oldRoot(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!oldRoot.valid()) return failSys(errno, "open / before pivot_root");
  if (::chdir(mergedDir.c_str()) != 0) return failSys(errno, "chdir " + mergedDir);
  if (sys::pivotRoot(".", ".") != 0) return failSys(errno, "pivot_root " + mergedDir);
  // The old root now sits on top of the new one. As runc does, work on it through its own fd:
  // "." may still be the new root, and making that rslave recursively would turn the
  // container's Bidirectional volumes into slaves.
  if (::fchdir(oldRoot.get()) != 0) return failSys(errno, "fchdir to the old root");
  // Keep the old root's unmount from reaching the host.
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
    return failSys(errno, "make old root rslave");
  }
  if (::umount2(".", MNT_DETACH) != 0) return failSys(errno, "unmount old root");
  if (::chdir("/") != 0) return failSys(errno, "chdir /");
  return {};
}

Result<void> remountRootReadOnly() {
  if (::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
    return failSys(errno, "remount / read-only");
  }
  return {};
}

}  // namespace podkeeper::runtime
