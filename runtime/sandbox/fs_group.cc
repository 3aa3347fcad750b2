#include "runtime/sandbox/fs_group.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/unique_fd.h"
#include "runtime/sys/file_tree.h"

namespace podkeeper::runtime {
namespace {

struct Masks {
  mode_t file;
  mode_t dir;
};

Masks masksFor(bool readOnly) {
  const mode_t file = readOnly ? 0440 : 0660;
  return {file, mode_t(file | 0110 | S_ISGID)};
}

// chown and chmod of name in parentFd without following it; symlinks only change group.
Result<void> own(int parentFd, const char* name, const struct stat& st, gid_t gid, Masks m,
                 const std::string& path) {
  if (::fchownat(parentFd, name, static_cast<uid_t>(-1), gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return failSys(errno, "chown " + path);
  }
  if (S_ISLNK(st.st_mode)) return {};
  const mode_t mode = (st.st_mode & 07777) | (S_ISDIR(st.st_mode) ? m.dir : m.file);
  if (::fchmodat(parentFd, name, mode, AT_SYMLINK_NOFOLLOW) != 0) {
    return failSys(errno, "chmod " + path);
  }
  return {};
}

}  // namespace

Result<bool> applyFsGroup(const std::string& dir, int64_t gidValue, FsGroupChange policy,
                          bool readOnly) {
  const auto gid = static_cast<gid_t>(gidValue);
  const Masks m = masksFor(readOnly);
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root.valid()) return failSys(errno, "open " + dir);
  struct stat st {};
  if (::fstat(root.get(), &st) != 0) return failSys(errno, "stat " + dir);
  const bool rootRight = st.st_gid == gid && (st.st_mode & m.dir) == m.dir;
  if (policy == FsGroupChange::OnRootMismatch && rootRight) return false;
  if (::fchown(root.get(), static_cast<uid_t>(-1), gid) != 0) return failSys(errno, "chown " + dir);
  if (::fchmod(root.get(), (st.st_mode & 07777) | m.dir) != 0)
    return failSys(errno, "chmod " + dir);
  auto walked = walkTree(root.get(), dir, kFsGroupBudget, [&](const TreeEntry& e) {
    return own(e.parentFd, e.name, e.st, gid, m, e.path);
  });
  if (!walked) return fail(walked.error().context("fsGroup " + std::to_string(gidValue)));
  return true;
}

}  // namespace podkeeper::runtime
