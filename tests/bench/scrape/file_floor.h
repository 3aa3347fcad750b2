#pragma once

#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace podkeeper::bench {

// The floors a scrape is compared with: the same v1 cgroup files the exporter's driver reads
// for one cgroup row (the procs and tasks counts walk the row's sub-cgroups, as the driver
// does), read in a tight loop, nothing parsed or rendered.
class FileFloor {
 public:
  FileFloor(std::string mountRoot, std::vector<std::string> rowCgroups,
            std::vector<std::vector<std::string>> rowSubtrees);
  // Reads every file once with open/read/close; returns the bytes read (so the work cannot
  // be optimised away).
  size_t readAll(std::string& buf) const;
  size_t filesPerScrape() const { return paths_.size(); }
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;
};

// The same files held open, each read with one pread at offset 0: the floor of a scrape
// through kept-open fds. (The exporter reads v1 tasks and cgroup.procs with a fresh open:
// through a kept fd they can be a second old.)
class OpenFileFloor {
 public:
  explicit OpenFileFloor(const FileFloor& files);
  size_t readAll(std::string& buf) const;

 private:
  std::vector<UniqueFd> fds_;
};

}  // namespace podkeeper::bench
