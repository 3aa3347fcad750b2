#include "runtime/cgroup/cgroup_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/cgroup/file_parsers.h"

namespace podkeeper::runtime::cgroup {
namespace {

// Reads fd to EOF into buf, growing it as needed; buf keeps its capacity for the next read.
Result<std::string_view> readAll(int fd, std::string& buf) {
  if (buf.size() < 4096) buf.resize(4096);
  size_t len = 0;
  for (;;) {
    if (len == buf.size()) buf.resize(buf.size() * 2);
    const ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(Error{errno, ""});
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  return std::string_view(buf.data(), len);
}

}  // namespace

Result<std::string> readTextFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, "open " + path);
  std::string buf;
  auto text = readAll(fd.get(), buf);
  if (!text) return failSys(text.error().code, "read " + path);
  return std::string(*text);
}

Result<CgroupDir> CgroupDir::open(std::string path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, "open " + path);
  return CgroupDir(std::move(fd), std::move(path));
}

Result<std::string_view> CgroupDir::read(const char* name, std::string& buf) const {
  UniqueFd fd(::openat(fd_.get(), name, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, "open " + path_ + "/" + name);
  auto text = readAll(fd.get(), buf);
  if (!text) return failSys(text.error().code, "read " + path_ + "/" + name);
  return text;
}

std::optional<std::string_view> CgroupDir::tryRead(const char* name, std::string& buf) const {
  auto text = read(name, buf);
  if (!text) return std::nullopt;
  return *text;
}

std::optional<uint64_t> CgroupDir::tryReadUint(const char* name, std::string& buf) const {
  auto text = tryRead(name, buf);
  return text ? parseUint(*text) : std::nullopt;
}

Result<void> CgroupDir::write(const char* name, std::string_view value) const {
  const auto what = [&] {
    return "write " + path_ + "/" + name + " \"" + std::string(value) + "\"";
  };
  // O_TRUNC is accepted by cgroupfs and makes fixture files hold exactly the last value.
  UniqueFd fd(::openat(fd_.get(), name, O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, what());
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return failSys(errno, what());
  if (static_cast<size_t>(n) != value.size()) return failMsg(what() + ": short write");
  return {};
}

bool CgroupDir::has(const char* name) const { return ::faccessat(fd_.get(), name, F_OK, 0) == 0; }

}  // namespace podkeeper::runtime::cgroup
