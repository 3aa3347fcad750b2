#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"

namespace podkeeper::metrics {

// Static facts about the machine, read once at start (machine_* families).
struct MachineInfo {
  uint64_t cpuCores = 0;     // logical CPUs online
  uint64_t memoryBytes = 0;  // MemTotal
  std::string bootId;        // /proc/sys/kernel/random/boot_id
  std::string machineId;     // /etc/machine-id
  std::string systemUuid;    // /sys/class/dmi/id/product_uuid (may be unreadable)
};

// Where the machine files live; tests point these at a fixture directory.
struct MachinePaths {
  std::string procRoot = "/proc";
  std::string sysRoot = "/sys";
  std::string etcRoot = "/etc";
};

// Best effort: fields that cannot be read stay empty, except MemTotal which must parse.
Result<MachineInfo> readMachineInfo(const MachinePaths& paths = {});

// Node-wide usage for /metrics/resource, read at scrape time.
struct NodeUsage {
  double cpuSeconds = 0;       // busy CPU time since boot
  double workingSetBytes = 0;  // MemTotal - MemFree - Inactive(file), floored at 0
};

class NodeUsageReader {
 public:
  virtual ~NodeUsageReader() = default;
  virtual Result<NodeUsage> read() const = 0;
};

// Reads <procRoot>/stat and <procRoot>/meminfo.
class ProcNodeUsageReader : public NodeUsageReader {
 public:
  explicit ProcNodeUsageReader(std::string procRoot = "/proc");
  Result<NodeUsage> read() const override;

 private:
  std::string procRoot_;
  long ticksPerSecond_;
};

// Pure part of ProcNodeUsageReader, tested on strings.
Result<NodeUsage> nodeUsageFrom(std::string_view procStat, std::string_view meminfo,
                                long ticksPerSecond);

}  // namespace podkeeper::metrics
