#include "image/unpack/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "common/unique_fd.h"
#include "image/oci/digest.h"
#include "image/unpack/entry_path.h"
#include "image/unpack/fs_ops.h"

namespace podkeeper::image {
namespace {

constexpr size_t kReadBlock = 1 << 20;

// The compressed stream as libarchive reads it, hashed on the way.
struct LayerSource {
  explicit LayerSource(int f) : fd(f) {}
  int fd;
  Sha256 hash;
  std::vector<char> buf = std::vector<char>(kReadBlock);
  int err = 0;
};

la_ssize_t readCallback(archive*, void* data, const void** out) {
  auto* src = static_cast<LayerSource*>(data);
  while (true) {
    const ssize_t n = ::read(src->fd, src->buf.data(), src->buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      src->err = errno;
      return -1;
    }
    src->hash.update({src->buf.data(), static_cast<size_t>(n)});
    *out = src->buf.data();
    return n;
  }
}

// The uncompressed tar stream: a second archive (format "raw", every filter) decompresses the
// layer, and the tar reader takes its blocks as they come, hashed for the diff ID.
struct TarSource {
  explicit TarSource(archive* d) : decompressor(d) {}
  archive* decompressor;
  Sha256 hash;
  bool failed = false;
};

la_ssize_t tarReadCallback(archive*, void* data, const void** out) {
  auto* src = static_cast<TarSource*>(data);
  size_t len = 0;
  la_int64_t offset = 0;
  const int rc = archive_read_data_block(src->decompressor, out, &len, &offset);
  if (rc == ARCHIVE_EOF) return 0;
  if (rc != ARCHIVE_OK) {
    src->failed = true;
    return -1;
  }
  src->hash.update({static_cast<const char*>(*out), len});
  return static_cast<la_ssize_t>(len);
}

// libarchive's message, which can be null (a reader fed by a failing callback has none).
std::string errorText(archive* a, std::string_view otherwise = "unreadable layer stream") {
  const char* msg = archive_error_string(a);
  return msg != nullptr ? std::string(msg) : std::string(otherwise);
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

struct DirTimes {
  std::vector<std::string> path;
  timespec times[2];
};

class Applier {
 public:
  // `raw` is the decompressor feeding `a`: its error explains a broken stream.
  Applier(archive* a, archive* raw, int rootFd, const std::string& layer, const LowerLayers& lowers)
      : a_(a), raw_(raw), rootFd_(rootFd), layer_(layer), lowersKnown_(lowers.known) {
    for (const auto& d : lowers.dirs)
      if (UniqueFd fd(::open(d.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)); fd.valid())
        lowers_.push_back(std::move(fd));
  }

  Result<void> apply(archive_entry* e, LayerUnpackStats& stats) {
    const char* rawName = archive_entry_pathname(e);
    name_ = rawName ? rawName : "";
    auto parts = splitEntryPath(name_);
    if (!parts) return fail(refuse(parts.error()));
    if (parts->empty()) return {};  // the layer root itself
    const std::string base = parts->back();
    parts->pop_back();
    auto parent = openParent(
        rootFd_, *parts, true,
        [this](int dirFd, const std::string& name, const std::vector<std::string>& path) {
          return impliedDir(dirFd, name, path);
        });
    if (!parent) return fail(refuse(parent.error()));

    const Whiteout wh = classifyWhiteout(base);
    if (wh.kind == WhiteoutKind::kOpaque) {
      auto r = setOpaque(parent->get());
      return r ? r : fail(refuse(r.error()));
    }
    if (isAufsMeta(base)) return {};
    if (wh.kind == WhiteoutKind::kFile) {
      if (wh.target.empty() || wh.target == "." || wh.target == "..")
        return fail(refuse(Error{EPERM, "bad whiteout name"}));
      auto r = makeWhiteout(parent->get(), wh.target);
      return r ? r : fail(refuse(r.error()));
    }

    const mode_t type = archive_entry_filetype(e);
    const char* hardlink = archive_entry_hardlink(e);
    Result<void> r;
    if (hardlink != nullptr) {
      r = makeHardLink(*parent, base, hardlink);
    } else if (type == AE_IFDIR) {
      r = makeDir(*parent, base, *parts, e);
    } else if (type == AE_IFREG) {
      r = writeFile(parent->get(), base, e, stats);
    } else if (type == AE_IFLNK) {
      r = makeSymlink(parent->get(), base, e);
    } else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) {
      r = makeNode(parent->get(), base, e, type);
    } else {
      return {};  // sockets and unknown types: tar skips them too
    }
    if (!r) return fail(refuse(r.error()));
    ++stats.entries;
    return {};
  }

  // Directory mtimes last: entries created inside a directory change its mtime.
  Result<void> finish() {
    for (auto it = dirTimes_.rbegin(); it != dirTimes_.rend(); ++it) {
      auto dir = openBeneath(rootFd_, it->path, O_RDONLY | O_DIRECTORY);
      if (!dir) continue;  // removed by a later whiteout
      ::futimens(dir->get(), it->times);
    }
    return {};
  }

 private:
  Error refuse(const Error& e) const {
    return Error{e.code, "layer " + layer_ + ": entry \"" + name_ + "\": " + e.message};
  }

  // A parent the layer does not list, just made 0755 root: the first lower layer that has
  // the directory gives its mode, owner and times, as containerd's mkparent does.
  Result<void> impliedDir(int parentFd, const std::string& name,
                          const std::vector<std::string>& path) {
    if (!lowersKnown_)
      return fail(Error{EAGAIN, "a parent directory it does not list needs its lower layers"});
    for (const auto& lower : lowers_) {
      auto from = openBeneath(lower.get(), path, O_PATH | O_DIRECTORY);
      if (!from) continue;  // not there (or not a plain directory): the next lower
      struct stat st {};
      if (::fstat(from->get(), &st) != 0) return failSys(errno, "stat lower directory");
      UniqueFd made(
          ::openat(parentFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!made.valid()) return failSys(errno, "open made directory");
      if (::fchown(made.get(), st.st_uid, st.st_gid) != 0) return failSys(errno, "chown");
      if (::fchmod(made.get(), st.st_mode & 07777) != 0) return failSys(errno, "chmod");
      DirTimes t{path, {st.st_atim, st.st_mtim}};
      dirTimes_.push_back(std::move(t));  // set last, like the listed directories
      return {};
    }
    return {};
  }

  Result<void> makeHardLink(const UniqueFd& parent, const std::string& base, const char* target) {
    auto parts = splitEntryPath(target);
    if (!parts) return fail(Error{EPERM, "hard link target: " + parts.error().message});
    if (parts->empty()) return fail(Error{EPERM, "hard link to the layer root"});
    const std::string srcBase = parts->back();
    parts->pop_back();
    auto srcDir = openParent(rootFd_, *parts, false);
    if (!srcDir)
      return fail(Error{srcDir.error().code, "hard link target \"" + std::string(target) +
                                                 "\": " + srcDir.error().message});
    struct stat st {};
    if (::fstatat(srcDir->get(), srcBase.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return failSys(errno, "hard link target \"" + std::string(target) + "\"");
    if (S_ISDIR(st.st_mode)) return fail(Error{EPERM, "hard link to a directory"});
    if (auto r = removeExisting(parent.get(), base, false); !r) return r;
    if (::linkat(srcDir->get(), srcBase.c_str(), parent.get(), base.c_str(), 0) != 0)
      return failSys(errno, "link to \"" + std::string(target) + "\"");
    return {};
  }

  Result<void> makeDir(const UniqueFd& parent, const std::string& base,
                       std::vector<std::string> parentParts, archive_entry* e) {
    struct stat st {};
    const bool exists = ::fstatat(parent.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && !S_ISDIR(st.st_mode)) {
      if (auto r = removeExisting(parent.get(), base, false); !r) return r;
    }
    if ((!exists || !S_ISDIR(st.st_mode)) && ::mkdirat(parent.get(), base.c_str(), 0700) != 0)
      return failSys(errno, "mkdir");
    UniqueFd fd(
        ::openat(parent.get(), base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return failSys(errno, "open directory");
    if (auto r = setMetadata(fd.get(), e, false); !r) return r;
    parentParts.push_back(base);
    DirTimes t{std::move(parentParts), {}};
    t.times[0] = {archive_entry_atime(e), archive_entry_atime_nsec(e)};
    t.times[1] = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
    dirTimes_.push_back(std::move(t));
    return {};
  }

  Result<void> writeFile(int parent, const std::string& base, archive_entry* e,
                         LayerUnpackStats& stats) {
    if (auto r = removeExisting(parent, base, true); !r) return r;
    UniqueFd fd(
        ::openat(parent, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid()) return failSys(errno, "create");
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t offset = 0;
    off_t end = 0;
    while (true) {
      const int rc = archive_read_data_block(a_, &buf, &len, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK) return fail(Error{EIO, "read: " + errorText(a_, errorText(raw_))});
      const char* p = static_cast<const char*>(buf);
      off_t at = offset;
      while (len > 0) {
        const ssize_t n = ::pwrite(fd.get(), p, len, at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failSys(errno, "write");
        p += n;
        at += n;
        len -= static_cast<size_t>(n);
        stats.bytes += static_cast<uint64_t>(n);
      }
      end = at;
    }
    // A sparse file's hole at the end still counts in its size.
    const off_t size = archive_entry_size(e);
    if (size > end && ::ftruncate(fd.get(), size) != 0) return failSys(errno, "truncate");
    return setMetadata(fd.get(), e, true);
  }

  Result<void> makeSymlink(int parent, const std::string& base, archive_entry* e) {
    const char* target = archive_entry_symlink(e);
    if (target == nullptr) return fail(Error{EINVAL, "symlink without a target"});
    if (auto r = removeExisting(parent, base, true); !r) return r;
    if (::symlinkat(target, parent, base.c_str()) != 0) return failSys(errno, "symlink");
    if (::fchownat(parent, base.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                   static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0)
      return failSys(errno, "chown symlink");
    const timespec times[2] = {{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                               {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    ::utimensat(parent, base.c_str(), times, AT_SYMLINK_NOFOLLOW);
    return {};
  }

  Result<void> makeNode(int parent, const std::string& base, archive_entry* e, mode_t type) {
    if (auto r = removeExisting(parent, base, true); !r) return r;
    const mode_t kind = type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO;
    const dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    if (::mknodat(parent, base.c_str(), kind | 0600, kind == S_IFIFO ? 0 : dev) != 0)
      return failSys(errno, "mknod");
    return setNodeMetadata(parent, base, e);
  }

  // Owner first, then mode (chown clears setuid), then xattrs and times.
  Result<void> setMetadata(int fd, archive_entry* e, bool times) {
    if (::fchown(fd, static_cast<uid_t>(archive_entry_uid(e)),
                 static_cast<gid_t>(archive_entry_gid(e))) != 0)
      return failSys(errno, "chown");
    if (::fchmod(fd, archive_entry_perm(e) & 07777) != 0) return failSys(errno, "chmod");
    if (auto r = setXattrs(fd, e); !r) return r;
    if (times) {
      const timespec t[2] = {{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                             {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
      if (::futimens(fd, t) != 0) return failSys(errno, "set times");
    }
    return {};
  }

  Result<void> setNodeMetadata(int parent, const std::string& base, archive_entry* e) {
    if (::fchownat(parent, base.c_str(), static_cast<uid_t>(archive_entry_uid(e)),
                   static_cast<gid_t>(archive_entry_gid(e)), AT_SYMLINK_NOFOLLOW) != 0)
      return failSys(errno, "chown");
    if (::fchmodat(parent, base.c_str(), archive_entry_perm(e) & 07777, 0) != 0)
      return failSys(errno, "chmod");
    const timespec t[2] = {{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                           {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    ::utimensat(parent, base.c_str(), t, AT_SYMLINK_NOFOLLOW);
    return {};
  }

  Result<void> setXattrs(int fd, archive_entry* e) {
    archive_entry_xattr_reset(e);
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      const std::string_view n(name);
      // overlayfs's own attributes are the snapshotter's to set, never a layer's.
      if (n.starts_with("trusted.overlay.") || n.starts_with("user.overlay.")) continue;
      if (::fsetxattr(fd, name, value, size, 0) != 0 && errno != ENOTSUP)
        return failSys(errno, "set xattr " + std::string(n));
    }
    return {};
  }

  archive* a_;
  archive* raw_;
  int rootFd_;
  const std::string& layer_;
  bool lowersKnown_;
  std::vector<UniqueFd> lowers_;
  std::string name_;
  std::vector<DirTimes> dirTimes_;
};

}  // namespace

Result<LayerUnpackStats> applyLayer(int layerFd, int targetDirFd, const std::string& layerDigest,
                                    const LowerLayers& lowers) {
  std::unique_ptr<archive, ArchiveDeleter> raw(archive_read_new());
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  if (!raw || !a) return fail(Error{ENOMEM, "layer " + layerDigest + ": archive_read_new"});
  archive_read_support_filter_gzip(raw.get());
  archive_read_support_filter_zstd(raw.get());
  archive_read_support_format_raw(raw.get());
  LayerSource src(layerFd);
  archive_entry* e = nullptr;
  if (archive_read_open(raw.get(), &src, nullptr, readCallback, nullptr) != ARCHIVE_OK ||
      archive_read_next_header(raw.get(), &e) != ARCHIVE_OK) {
    const int code = src.err != 0 ? src.err : EIO;
    return fail(Error{code, "layer " + layerDigest + ": " + errorText(raw.get())});
  }
  archive_read_support_format_tar(a.get());
  TarSource tar(raw.get());
  auto streamError = [&](archive* where) {
    archive* culprit = tar.failed ? raw.get() : where;
    const int code = src.err != 0 ? src.err : EIO;
    return Error{code, "layer " + layerDigest + ": " + errorText(culprit)};
  };
  if (archive_read_open(a.get(), &tar, nullptr, tarReadCallback, nullptr) != ARCHIVE_OK)
    return fail(streamError(a.get()));
  Applier applier(a.get(), raw.get(), targetDirFd, layerDigest, lowers);
  LayerUnpackStats stats;
  while (true) {
    const int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return fail(streamError(a.get()));
    if (auto r = applier.apply(e, stats); !r) return fail(r.error());
  }
  if (auto r = applier.finish(); !r) return fail(r.error());
  // Drain what follows the end-of-archive blocks (the tar's padding, then the compressed
  // stream's end), so both digests cover the whole stream.
  while (true) {
    const void* buf = nullptr;
    const la_ssize_t n = tarReadCallback(a.get(), &tar, &buf);
    if (n < 0) return fail(streamError(raw.get()));
    if (n == 0) break;
  }
  std::vector<char> rest(kReadBlock);
  while (true) {
    const ssize_t n = ::read(layerFd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failSys(errno, "layer " + layerDigest + ": read");
    if (n == 0) break;
    src.hash.update({rest.data(), static_cast<size_t>(n)});
  }
  stats.digest = src.hash.finish();
  stats.diffId = tar.hash.finish();
  return stats;
}

}  // namespace podkeeper::image
