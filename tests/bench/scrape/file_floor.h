#pragma once

#include <string>
#include <vector>

namespace podkeeper::bench {

// The floor a scrape is compared with: the same v1 cgroup files the exporter's driver reads
// for one cgroup row (the procs and tasks counts walk the row's sub-cgroups, as the driver
// does), read with plain open/read/close in a tight loop, nothing parsed or rendered.
class FileFloor {
 public:
  FileFloor(std::string mountRoot, std::vector<std::string> rowCgroups,
            std::vector<std::vector<std::string>> rowSubtrees);
  // Reads every file once; returns the bytes read (so the work cannot be optimised away).
  size_t readAll(std::string& buf) const;
  size_t filesPerScrape() const { return paths_.size(); }

 private:
  std::vector<std::string> paths_;
};

}  // namespace podkeeper::bench
