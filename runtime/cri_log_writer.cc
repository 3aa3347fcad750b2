#include "runtime/cri_log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace podkeeper::runtime {
namespace {

Result<UniqueFd> openAppend(const std::string& path, uint64_t& size) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd.valid()) return failSys(errno, "open log " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return failSys(errno, "stat log " + path);
  size = static_cast<uint64_t>(st.st_size);
  return fd;
}

}  // namespace

Result<CriLogWriter> CriLogWriter::open(std::string path, uint64_t maxBytes, int maxFiles) {
  uint64_t size = 0;
  auto fd = openAppend(path, size);
  if (!fd) return fail(fd.error());
  return CriLogWriter(std::move(path), maxBytes, maxFiles, std::move(*fd), size);
}

Result<void> CriLogWriter::write(int64_t realtimeNs, LogStream stream, const LogEntry& entry) {
  const std::string line = formatCriLine(realtimeNs, stream, entry.partial, entry.text);
  if (maxBytes_ > 0 && size_ > 0 && size_ + line.size() > maxBytes_) {
    if (auto r = rotate(); !r) return r;
  }
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_.get(), rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return failSys(errno, "write log " + path_);
    }
    rest.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return {};
}

Result<void> CriLogWriter::rotate() {
  if (maxFiles_ <= 1) {
    if (::ftruncate(fd_.get(), 0) != 0) return failSys(errno, "truncate log " + path_);
    size_ = 0;
    return {};
  }
  const std::string oldest = path_ + "." + std::to_string(maxFiles_ - 1);
  if (::unlink(oldest.c_str()) != 0 && errno != ENOENT) return failSys(errno, "unlink " + oldest);
  for (int i = maxFiles_ - 2; i >= 1; --i) {
    const std::string from = path_ + "." + std::to_string(i);
    const std::string to = path_ + "." + std::to_string(i + 1);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      return failSys(errno, "rename " + from);
    }
  }
  if (::rename(path_.c_str(), (path_ + ".1").c_str()) != 0)
    return failSys(errno, "rotate " + path_);
  auto fd = openAppend(path_, size_);
  if (!fd) return fail(fd.error());
  fd_ = std::move(*fd);
  return {};
}

}  // namespace podkeeper::runtime
