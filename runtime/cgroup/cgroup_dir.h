#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"

namespace podkeeper::runtime::cgroup {

// Reads a whole file by path (mountinfo, tests). Errors name the path.
Result<std::string> readTextFile(const std::string& path);

// An open cgroup directory: files are read and written relative to its fd with openat, so a
// cgroup renamed or removed underneath cannot redirect a write. Errors name the full path
// of the file and the value.
class CgroupDir {
 public:
  static Result<CgroupDir> open(std::string path);

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

  // Reads file `name` into buf, which the caller reuses across reads to avoid allocations.
  Result<std::string_view> read(const char* name, std::string& buf) const;
  // nullopt when the file is absent or unreadable: stats report what the kernel provides.
  std::optional<std::string_view> tryRead(const char* name, std::string& buf) const;
  std::optional<uint64_t> tryReadUint(const char* name, std::string& buf) const;
  Result<void> write(const char* name, std::string_view value) const;
  bool has(const char* name) const;
  // Hands the fd over (to fdopendir, which then owns it); the CgroupDir is empty afterwards.
  int releaseFd() { return fd_.release(); }

 private:
  CgroupDir(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

}  // namespace podkeeper::runtime::cgroup
