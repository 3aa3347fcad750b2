#include "runtime/cgroup/v1/memory_v1.h"

#include "runtime/cgroup/file_parsers.h"
#include "runtime/cgroup/resources.h"

namespace podkeeper::runtime::cgroup {

Result<void> applyMemoryV1(const CgroupDir& dir, const Resources& r) {
  return dir.write("memory.limit_in_bytes", v1LimitValue(r.memoryLimitBytes));
}

void readMemoryV1(StatDir& dir, std::string& buf, uint64_t pageSize, Stats& out) {
  MemoryStats& m = out.memory;
  m.usageBytes = dir.tryReadUint("memory.usage_in_bytes", buf);
  m.maxUsageBytes = dir.tryReadUint("memory.max_usage_in_bytes", buf);
  m.failcnt = dir.tryReadUint("memory.failcnt", buf);
  if (auto text = dir.tryRead("memory.stat", buf)) {
    // The total_ keys are hierarchical: they include the descendants, as cAdvisor reports.
    const FlatKey keys[] = {{"total_inactive_file", &m.inactiveFileBytes},
                            {"total_rss", &m.rssBytes},
                            {"total_cache", &m.cacheBytes},
                            {"total_swap", &m.swapBytes}};
    scanFlatKeyed(*text, keys);
  }
  if (auto text = dir.tryRead("memory.oom_control", buf)) {
    m.oomKills = flatKeyedValue(*text, "oom_kill");
  }
  if (auto limit = dir.tryReadUint("memory.limit_in_bytes", buf)) {
    out.spec.memoryLimitBytes = v1MemoryLimit(*limit, pageSize);
  }
}

}  // namespace podkeeper::runtime::cgroup
