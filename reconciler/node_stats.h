#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "reconciler/node_pressure.h"
#include "reconciler/storage_eviction.h"
#include "runtime/cgroup/cgroup_manager.h"

// Where node-pressure eviction's measurements come from (the kubelet's summary provider, for
// what its eviction manager reads): the node's signals and what each running pod uses. An
// interface, so the monitor is tested with values; LinuxNodeStats reads the machine. Every
// call may block on the kernel briefly: the monitor calls it off the loop.
namespace podkeeper::reconciler {

// What to measure of one running pod; `candidate` carries what the spec says (priority,
// requests, grace) and gets the usage filled in.
struct PodUsageRequest {
  EvictionCandidate candidate;
  runtime::cgroup::CgroupPath podCgroup;
  std::map<std::string, runtime::cgroup::CgroupPath> containerCgroups;
  StorageRequest storage;  // its containers' layers and logs, its disk-backed emptyDirs
};

class NodeStatsSource {
 public:
  virtual ~NodeStatsSource() = default;
  // The signals that could be read; one that cannot is left out (and logged by the caller).
  virtual Observations observe() = 0;
  // Memory working set and processes of the pod and its containers; disk usage too when
  // `disk` (a walk of its directories: only under disk pressure).
  virtual void measurePod(PodUsageRequest& request, bool disk) = 0;
};

// Pure parsers, tested on strings.
// "MemTotal:  24576000 kB" -> bytes.
std::optional<int64_t> meminfoBytes(std::string_view meminfo, std::string_view key);
// The kubelet's memory.available from the root cgroup: capacity (MemTotal) - working set,
// working set = usage - inactive file, floored at 0. v1 (and hybrid): memory.usage_in_bytes
// and memory.stat total_inactive_file of the memory hierarchy's root; v2: the root has no
// memory.current, so usage is MemTotal - MemFree (as runc reads the root) and inactive_file
// comes from the root's memory.stat.
struct RootMemoryFiles {
  bool v2 = false;
  std::string meminfo;       // /proc/meminfo text
  std::string usageInBytes;  // v1 memory.usage_in_bytes text
  std::string memoryStat;    // memory.stat text of the root
};
Result<Observation> memoryAvailable(const RootMemoryFiles& files);
// pid.available: min(pid_max, threads-max) - the threads running (sysinfo procs).
Result<Observation> pidAvailable(std::string_view pidMax, std::string_view threadsMax,
                                 int64_t running);

struct NodeStatsPaths {
  std::string cgroupMount = "/sys/fs/cgroup";
  std::string procRoot = "/proc";
  std::string rootDir;   // nodefs: statvfs of it
  std::string imageDir;  // imagefs
};

// Reads the files above from the machine: the memory hierarchy as the cgroup mode says
// (v1 and hybrid: <mount>/memory; v2: <mount>), statvfs of the two directories, sysinfo.
class LinuxNodeStats final : public NodeStatsSource {
 public:
  LinuxNodeStats(const runtime::cgroup::CgroupManager& cgroups, NodeStatsPaths paths);
  Observations observe() override;
  void measurePod(PodUsageRequest& request, bool disk) override;

 private:
  const runtime::cgroup::CgroupManager& cgroups_;
  NodeStatsPaths paths_;
};

}  // namespace podkeeper::reconciler
