#include "runtime/logs/cri_log_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

namespace podkeeper::runtime {
namespace {

// O_NOFOLLOW: a symlink planted as the next log file is refused, never written through.
Result<UniqueFd> openAppend(int dirFd, const std::string& name, const std::string& path,
                            uint64_t& size) {
  UniqueFd fd(
      ::openat(dirFd, name.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd.valid()) return failSys(errno, "open log " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return failSys(errno, "stat log " + path);
  if (!S_ISREG(st.st_mode)) return failMsg("log " + path + " is not a regular file");
  size = static_cast<uint64_t>(st.st_size);
  return fd;
}

}  // namespace

Result<CriLogWriter> CriLogWriter::open(const std::string& path, uint64_t maxBytes, int maxFiles) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash + 1 == path.size()) {
    return failMsg("log path \"" + path + "\" has no directory and file name");
  }
  std::string dirPath = slash == 0 ? "/" : path.substr(0, slash);
  UniqueFd dir(::open(dirPath.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return failSys(errno, "open log directory " + dirPath);
  std::string name = path.substr(slash + 1);
  uint64_t size = 0;
  auto fd = openAppend(dir.get(), name, path, size);
  if (!fd) return fail(fd.error());
  return CriLogWriter(std::move(dirPath), std::move(dir), std::move(name), maxBytes, maxFiles,
                      std::move(*fd), size);
}

Result<void> CriLogWriter::write(int64_t realtimeNs, LogStream stream, const LogEntry& entry) {
  if (!fd_.valid()) {
    if (auto r = reopen(); !r) return r;
  }
  const std::string line = formatCriLine(realtimeNs, stream, entry.partial, entry.text);
  if (maxBytes_ > 0 && size_ > 0 && size_ + line.size() > maxBytes_) {
    if (auto r = rotate(); !r) return r;
  }
  std::string_view rest = line;
  const uint64_t lineStart = size_;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_.get(), rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      // A line goes in whole or not at all: the part a full disk let through is cut off again,
      // or the next line would be glued to it and no reader could parse either.
      if (size_ != lineStart && ::ftruncate(fd_.get(), static_cast<off_t>(lineStart)) == 0) {
        size_ = lineStart;
      }
      return failSys(err, "write log " + path());
    }
    rest.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return {};
}

Result<void> CriLogWriter::reopen() {
  fd_.reset();
  size_ = 0;
  auto fd = openAppend(dir_.get(), name_, path(), size_);
  if (!fd) return fail(fd.error());
  fd_ = std::move(*fd);
  return {};
}

Result<void> CriLogWriter::rotate() {
  if (maxFiles_ <= 1) {
    if (::ftruncate(fd_.get(), 0) != 0) return failSys(errno, "truncate log " + path());
    size_ = 0;
    return {};
  }
  const std::string oldest = name_ + "." + std::to_string(maxFiles_ - 1);
  if (::unlinkat(dir_.get(), oldest.c_str(), 0) != 0 && errno != ENOENT) {
    return failSys(errno, "unlink " + dirPath_ + "/" + oldest);
  }
  for (int i = maxFiles_ - 2; i >= 1; --i) {
    const std::string from = name_ + "." + std::to_string(i);
    const std::string to = name_ + "." + std::to_string(i + 1);
    if (::renameat(dir_.get(), from.c_str(), dir_.get(), to.c_str()) != 0 && errno != ENOENT) {
      return failSys(errno, "rename " + dirPath_ + "/" + from);
    }
  }
  if (::renameat(dir_.get(), name_.c_str(), dir_.get(), (name_ + ".1").c_str()) != 0) {
    return failSys(errno, "rotate " + path());
  }
  return reopen();
}

}  // namespace podkeeper::runtime
