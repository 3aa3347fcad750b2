#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "runtime/logs/cri_log_reader.h"
#include "runtime/logs/log_follower.h"

namespace podkeeper::runtime {

// A container's log as it is at one moment: its rotated files and the current one, opened
// together and read oldest first in bounded chunks into whole lines, so a 50 MiB log never
// sits in memory at once. Reading waits on the disk: the agent does it on BackgroundWork, one
// job at a time per snapshot. What is written after the snapshot is a LogFollower's, which
// takes over exactly where the snapshot ends (follower()).
class LogFileSnapshot {
 public:
  // Opens path and its rotated predecessors (path.1, ...) now; a file that is not there is
  // skipped (the current one may not exist yet).
  explicit LogFileSnapshot(std::string path);

  // The next whole lines, after reading at most about maxBytes of the files.
  std::vector<TimedLine> next(size_t maxBytes);
  bool done() const { return file_ >= files_.size(); }
  // At the end: the line P entries left open (the writer stopped mid-line), if any.
  std::optional<TimedLine> finish() { return assembler_.flushTimed(); }
  // Back to the first byte, for a second pass (counting the lines for a tail).
  void rewind();
  // Follows the current file from where the snapshot ends, the open line kept.
  LogFollower follower() &&;

 private:
  struct File {
    UniqueFd fd;
    ino_t inode = 0;
    off_t size = 0;  // at the snapshot
    off_t read = 0;
    bool current = false;  // path itself, not a rotated predecessor
  };
  std::string path_;
  std::vector<File> files_;
  size_t file_ = 0;
  CriLogAssembler assembler_;
};

}  // namespace podkeeper::runtime
