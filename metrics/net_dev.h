#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"

// A pod's network counters, cAdvisor's container_network_* (reported on the pod's row, as
// cAdvisor reports them on the sandbox): /proc/<pid>/net/dev of a process in the pod shows
// the pod's network namespace, read from the host without entering it.
namespace podkeeper::metrics {

struct InterfaceStats {
  std::string name;
  uint64_t rxBytes = 0, rxPackets = 0, rxErrors = 0, rxDropped = 0;
  uint64_t txBytes = 0, txPackets = 0, txErrors = 0, txDropped = 0;
  bool operator==(const InterfaceStats&) const = default;
};

// /proc/net/dev's table, without lo (cAdvisor leaves it out), in interface name order.
std::vector<InterfaceStats> parseNetDev(std::string_view text);

// Keeps /proc/<pid>/net/dev open per pod between scrapes (re-read with pread from offset 0),
// reopened when the pod's process changes; sweep() closes those of pods not read since.
class NetDevFiles {
 public:
  // The pod's interfaces through pid; empty when it cannot be read (the process is gone).
  std::vector<InterfaceStats> read(const std::string& podUid, pid_t pid);
  void sweep();
  size_t openFds() const { return files_.size(); }

 private:
  struct File {
    pid_t pid = 0;
    UniqueFd fd;
    bool used = false;
  };
  std::map<std::string, File> files_;
  std::string buffer_;
};

}  // namespace podkeeper::metrics
