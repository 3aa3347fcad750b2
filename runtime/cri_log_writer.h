#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/cri_log.h"

namespace podkeeper::runtime {

// Appends CRI lines to one log file and rotates it by size: path -> path.1 -> ... ->
// path.<maxFiles-1>; the oldest is deleted. Plain syscalls: it runs in the shim.
class CriLogWriter {
 public:
  static Result<CriLogWriter> open(std::string path, uint64_t maxBytes, int maxFiles);

  Result<void> write(int64_t realtimeNs, LogStream stream, const LogEntry& entry);

 private:
  CriLogWriter(std::string path, uint64_t maxBytes, int maxFiles, UniqueFd fd, uint64_t size)
      : path_(std::move(path)),
        maxBytes_(maxBytes),
        maxFiles_(maxFiles),
        fd_(std::move(fd)),
        size_(size) {}
  Result<void> rotate();

  std::string path_;
  uint64_t maxBytes_;
  int maxFiles_;
  UniqueFd fd_;
  uint64_t size_;
};

}  // namespace podkeeper::runtime
