#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/logs/cri_log.h"

namespace podkeeper::runtime {

// Appends CRI lines to one log file and rotates it by size: path -> path.1 -> ... ->
// path.<maxFiles-1>; the oldest is deleted. Plain syscalls: it runs in the shim. Every file
// is opened, renamed and deleted relative to the log's directory, never through a symlink.
class CriLogWriter {
 public:
  static Result<CriLogWriter> open(const std::string& path, uint64_t maxBytes, int maxFiles);

  Result<void> write(int64_t realtimeNs, LogStream stream, const LogEntry& entry);

 private:
  CriLogWriter(std::string dirPath, UniqueFd dir, std::string name, uint64_t maxBytes, int maxFiles,
               UniqueFd fd, uint64_t size)
      : dirPath_(std::move(dirPath)),
        dir_(std::move(dir)),
        name_(std::move(name)),
        maxBytes_(maxBytes),
        maxFiles_(maxFiles),
        fd_(std::move(fd)),
        size_(size) {}
  std::string path() const { return dirPath_ + "/" + name_; }
  Result<void> reopen();
  Result<void> rotate();

  std::string dirPath_;
  UniqueFd dir_;
  std::string name_;
  uint64_t maxBytes_;
  int maxFiles_;
  UniqueFd fd_;  // invalid after a failed reopen; the next write tries again
  uint64_t size_;
};

}  // namespace podkeeper::runtime
