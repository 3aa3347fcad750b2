#include "runtime/sys/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"

namespace podkeeper::runtime {
namespace {

Result<void> writeAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return failSys(errno, "write " + path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

std::string parentDir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Result<void> writeReplacing(const std::string& path, std::string_view content, mode_t mode,
                            bool sync) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());  // left by a crash of an earlier process with this pid
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return failSys(errno, "create " + tmp);
  // Exactly the mode asked for, whatever the umask: narrower would hide a file a container
  // must read, wider would show env values to local users.
  if (::fchmod(fd.get(), mode) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return failSys(err, "chmod " + tmp);
  }
  if (auto r = writeAll(fd.get(), content, tmp); !r) {
    ::unlink(tmp.c_str());
    return r;
  }
  if (sync && ::fsync(fd.get()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return failSys(err, "fsync " + tmp);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return failSys(err, "rename " + tmp + " to " + path);
  }
  if (!sync) return {};
  const std::string dir = parentDir(path);
  UniqueFd dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dirFd.valid()) return failSys(errno, "open " + dir);
  if (::fsync(dirFd.get()) != 0) return failSys(errno, "fsync " + dir);
  return {};
}

}  // namespace

Result<void> writeFileAtomic(const std::string& path, std::string_view content, mode_t mode) {
  return writeReplacing(path, content, mode, true);
}

Result<void> replaceFile(const std::string& path, std::string_view content, mode_t mode) {
  return writeReplacing(path, content, mode, false);
}

Result<void> writeNewFile(const std::string& path, std::string_view content, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return failSys(errno, "create " + path);
  if (::fchmod(fd.get(), mode) != 0) return failSys(errno, "chmod " + path);
  return writeAll(fd.get(), content, path);
}

Result<std::string> readWholeFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, "open " + path);
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failSys(errno, "read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace podkeeper::runtime
