#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "agent/cli/cri_log_reader.h"
#include "common/unique_fd.h"

namespace podkeeper::cli {

// Reads a growing CRI log file from where it was left, like tail -F: when the writer rotates
// it (path -> path.1, a new path), the rest of the old file is read before the new one; when
// the container restarts, switchTo() moves to the next instance's file.
class LogFollower {
 public:
  // Starts at the beginning of path (which may not exist yet).
  explicit LogFollower(std::string path);

  // Lines written since the last call; never blocks.
  std::vector<std::string> poll();
  // Finishes the current file, then follows path from its beginning.
  std::vector<std::string> switchTo(std::string path);

 private:
  std::vector<std::string> drain();
  bool reopenIfRotated();

  std::string path_;
  UniqueFd fd_;
  ino_t inode_ = 0;
  CriLogAssembler assembler_;
};

}  // namespace podkeeper::cli
