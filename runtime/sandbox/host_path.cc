#include "runtime/sandbox/host_path.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/unique_fd.h"
#include "runtime/bundle/state_dir.h"

namespace podkeeper::runtime {

FileKind fileKindOf(mode_t mode) {
  if (S_ISDIR(mode)) return FileKind::Directory;
  if (S_ISSOCK(mode)) return FileKind::Socket;
  if (S_ISCHR(mode)) return FileKind::CharDevice;
  if (S_ISBLK(mode)) return FileKind::BlockDevice;
  return FileKind::File;
}

HostPathStep hostPathCheck(const std::string& path, const std::string& type,
                           std::optional<FileKind> existing) {
  using Action = HostPathStep::Action;
  auto must = [&](FileKind kind, const char* what) {
    if (existing == kind) return HostPathStep{};
    return HostPathStep{Action::Refuse, "hostPath type check failed: " + path + " is not " + what};
  };
  if (type.empty()) return {};
  if (type == "DirectoryOrCreate" && !existing) return {Action::MakeDirectory, ""};
  if (type == "DirectoryOrCreate" || type == "Directory") {
    return must(FileKind::Directory, "a directory");
  }
  if (type == "FileOrCreate" && !existing) return {Action::MakeFile, ""};
  if (type == "FileOrCreate" || type == "File") return must(FileKind::File, "a file");
  if (type == "Socket") return must(FileKind::Socket, "a socket file");
  if (type == "CharDevice") return must(FileKind::CharDevice, "a character device");
  if (type == "BlockDevice") return must(FileKind::BlockDevice, "a block device");
  return {Action::Refuse, type + " is an invalid volume type"};
}

Result<void> prepareHostPath(const std::string& path, const std::string& type) {
  std::optional<FileKind> existing;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    existing = fileKindOf(st.st_mode);
  } else if (errno != ENOENT) {
    return failSys(errno, "hostPath " + path);
  }
  const HostPathStep step = hostPathCheck(path, type, existing);
  switch (step.action) {
    case HostPathStep::Action::Mount:
      return {};
    case HostPathStep::Action::Refuse:
      return failMsg(step.message);
    case HostPathStep::Action::MakeDirectory:
      if (auto r = makeDirs(path, 0755); !r)
        return fail(r.error().context("hostPath DirectoryOrCreate"));
      return {};
    case HostPathStep::Action::MakeFile: {
      UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
      if (!fd.valid()) return failSys(errno, "hostPath FileOrCreate: create " + path);
      return {};
    }
  }
  return {};
}

}  // namespace podkeeper::runtime
