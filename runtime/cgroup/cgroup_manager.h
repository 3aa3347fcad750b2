#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/cgroup/device_rules.h"

namespace podkeeper::runtime::cgroup {

class StatFileCache;  // runtime/cgroup/stat_file_cache.h

enum class Mode { V1, V2, Hybrid };
const char* toString(Mode m);

// A cgroup relative to the root of every hierarchy, e.g. "podkeeper/burstable/pod<uid>/app".
// No leading or trailing slash.
using CgroupPath = std::string;

// Limits to write, already in cgroup units (see resources.h for the Kubernetes mapping).
struct Resources {
  std::optional<uint64_t> cpuShares;  // v1 cpu.shares; v2 cpu.weight derived from it
  std::optional<int64_t> cpuQuotaUs;  // nullopt = no quota ("max" / -1)
  uint64_t cpuPeriodUs = 100000;
  std::optional<int64_t> memoryLimitBytes;  // nullopt = unlimited
  std::optional<int64_t> pidsLimit;         // pids.max; nullopt = left as is, <= 0 = "max"
  // The devices the cgroup's processes may mknod and open, everything else denied; nullopt =
  // left as is (pod cgroups stay open, as the kubelet's: only containers are confined).
  std::optional<std::vector<DeviceRule>> devices;
  bool operator==(const Resources&) const = default;
};

// Raw usage read from the cgroup files at call time. nullopt = file or key absent.
// The metrics layer turns these into cAdvisor's families (working set etc.).
struct CpuStats {
  std::optional<uint64_t> usageNs;           // cpuacct.usage | cpu.stat usage_usec*1000
  std::optional<uint64_t> userNs;            // cpuacct.stat user (USER_HZ->ns) | cpu.stat user_usec
  std::optional<uint64_t> systemNs;          // cpuacct.stat system | cpu.stat system_usec
  std::optional<uint64_t> periods;           // cpu.stat nr_periods
  std::optional<uint64_t> throttledPeriods;  // cpu.stat nr_throttled
  std::optional<uint64_t> throttledNs;       // cpu.stat throttled_time | throttled_usec*1000
};

struct MemoryStats {
  std::optional<uint64_t> usageBytes;         // memory.usage_in_bytes | memory.current
  std::optional<uint64_t> maxUsageBytes;      // memory.max_usage_in_bytes | memory.peak
  std::optional<uint64_t> inactiveFileBytes;  // total_inactive_file | inactive_file
  std::optional<uint64_t> rssBytes;           // total_rss | anon
  std::optional<uint64_t> cacheBytes;         // total_cache | file
  std::optional<uint64_t> swapBytes;          // stat total_swap | memory.swap.current
  std::optional<uint64_t> failcnt;            // memory.failcnt | memory.events max
  std::optional<uint64_t> oomKills;  // memory.oom_control oom_kill | memory.events oom_kill
};

struct SpecStats {
  std::optional<uint64_t> memoryLimitBytes;  // nullopt = unlimited
  std::optional<uint64_t> cpuShares;
  std::optional<int64_t> cpuQuotaUs;  // nullopt = no quota
  std::optional<uint64_t> cpuPeriodUs;
};

struct Stats {
  CpuStats cpu;
  MemoryStats memory;
  SpecStats spec;
  std::optional<uint64_t> processes;  // entries in cgroup.procs (recursive on v1: tasks)
  std::optional<uint64_t> threads;
};

// One driver per cgroup mode; all verbs work on every hierarchy the mode uses.
class CgroupManager {
 public:
  virtual ~CgroupManager() = default;

  virtual Mode mode() const = 0;
  // mkdir -p in every hierarchy used (and the unified tree in hybrid mode).
  virtual Result<void> create(const CgroupPath& path) = 0;
  virtual Result<void> apply(const CgroupPath& path, const Resources& r) = 0;
  // Moves pid into the cgroup in every hierarchy. Each cgroup.procs write takes the kernel's
  // global threadgroup lock, whose write side waits out an RCU grace period (5-25 ms here)
  // while holding cgroup_mutex: not for the start path (see below).
  virtual Result<void> addProcess(const CgroupPath& path, pid_t pid) = 0;
  // How a child the caller is about to clone joins path without that lock. openForCloneInto:
  // an O_PATH|O_DIRECTORY fd of the cgroup2 directory (v2, and the unified tree in hybrid
  // mode) for clone3(CLONE_INTO_CGROUP), so the child is born there; nullopt on v1.
  // openSelfJoin: the v1 hierarchies' `tasks` files (none on v2), opened O_WRONLY; the child,
  // still single-threaded, passes them to joinOwnCgroups before it does anything else. A
  // thread moving itself (pid "0" to `tasks`) is the one migration the kernel does without
  // the threadgroup lock. The permission check is the opener's: the child may have dropped
  // privileges or joined a user namespace since.
  virtual Result<std::optional<int>> openForCloneInto(const CgroupPath& path) = 0;
  virtual Result<std::vector<UniqueFd>> openSelfJoin(const CgroupPath& path) = 0;
  virtual Result<std::vector<pid_t>> pids(const CgroupPath& path) const = 0;  // recursive
  virtual Result<Stats> stats(const CgroupPath& path) const = 0;
  // The same, reading through the fds that `files` keeps open between calls (the exporter's
  // scrapes; the caller sweeps `files`). Fails with ENOENT when the cgroup is gone. Drivers
  // without kept-open reads answer with stats(path).
  virtual Result<Stats> statsThrough(const CgroupPath& path, StatFileCache& files) const {
    (void)files;
    return stats(path);
  }
  // SIGKILL every process in the cgroup and its children (cgroup.kill where present).
  virtual Result<void> killAll(const CgroupPath& path) = 0;
  // Removes the cgroup and its children (bottom-up), in every hierarchy. Fails with EBUSY
  // when processes remain; callers kill first.
  virtual Result<void> remove(const CgroupPath& path) = 0;
  virtual bool exists(const CgroupPath& path) const = 0;
};

// Moves the calling thread, which must be its process's only one, into the cgroups whose
// `tasks` files are open on fds (from openSelfJoin). Only system calls: safe in a child
// between clone and exec. Returns 0 or the errno of the first write that failed.
int joinOwnCgroups(const int* fds, size_t count) noexcept;

// Where to look. Tests point these at fixture trees.
struct CgroupConfig {
  std::string mountRoot = "/sys/fs/cgroup";
  std::string mountinfoPath = "/proc/self/mountinfo";
};

// statfs(path).f_type (CGROUP2_SUPER_MAGIC, TMPFS_MAGIC, ...). Injectable so tests can run
// mode detection on a fixture directory tree.
using FsProbe = std::function<Result<int64_t>(const std::string& path)>;
Result<int64_t> statfsMagic(const std::string& path);

}  // namespace podkeeper::runtime::cgroup
