#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "runtime/logs/cri_log_reader.h"

namespace podkeeper::runtime {

// Reads a growing CRI log file from where it was left, like tail -F: when the writer rotates
// it (path -> path.1, a new path), the rest of the old file is read before the new one; when
// the container restarts, switchTo() moves to the next instance's file.
class LogFollower {
 public:
  // Starts at the beginning of path (which may not exist yet).
  explicit LogFollower(std::string path);
  // Goes on reading fd (path's file, at its offset) with what assembler holds of an open line.
  LogFollower(std::string path, UniqueFd fd, ino_t inode, CriLogAssembler assembler);

  // Lines written since the last call; never blocks.
  std::vector<std::string> poll();
  // The same with their times, reading at most maxBytes of the file (the rest next time).
  std::vector<TimedLine> pollTimed(size_t maxBytes = SIZE_MAX);
  // Finishes the current file, then follows path from its beginning.
  std::vector<std::string> switchTo(std::string path);
  std::vector<TimedLine> switchToTimed(std::string path);

 private:
  // Reads until the end of the file or past maxBytes; true when the end was reached.
  bool drain(std::vector<TimedLine>& lines, size_t maxBytes);
  bool reopenIfRotated();

  std::string path_;
  UniqueFd fd_;
  ino_t inode_ = 0;
  CriLogAssembler assembler_;
};

}  // namespace podkeeper::runtime
