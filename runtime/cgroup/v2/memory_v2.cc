#include "runtime/cgroup/v2/memory_v2.h"

#include "runtime/cgroup/file_parsers.h"
#include "runtime/cgroup/resources.h"

namespace podkeeper::runtime::cgroup {

Result<void> applyMemoryV2(const CgroupDir& dir, const Resources& r) {
  return dir.write("memory.max", memoryMaxValue(r.memoryLimitBytes));
}

void parseMemoryStatV2(std::string_view text, MemoryStats& out) {
  const FlatKey keys[] = {{"anon", &out.rssBytes},
                          {"file", &out.cacheBytes},
                          {"inactive_file", &out.inactiveFileBytes}};
  scanFlatKeyed(text, keys);
}

void parseMemoryEventsV2(std::string_view text, MemoryStats& out) {
  // "max" counts the times usage hit memory.max: the closest v2 analogue of v1's failcnt.
  const FlatKey keys[] = {{"max", &out.failcnt}, {"oom_kill", &out.oomKills}};
  scanFlatKeyed(text, keys);
}

void readMemoryV2(StatDir& dir, std::string& buf, Stats& out) {
  MemoryStats& m = out.memory;
  m.usageBytes = dir.tryReadUint("memory.current", buf);
  m.maxUsageBytes = dir.tryReadUint("memory.peak", buf);
  m.swapBytes = dir.tryReadUint("memory.swap.current", buf);
  if (auto text = dir.tryRead("memory.stat", buf)) parseMemoryStatV2(*text, m);
  if (auto text = dir.tryRead("memory.events", buf)) parseMemoryEventsV2(*text, m);
  if (auto text = dir.tryRead("memory.max", buf)) {
    if (auto limit = parseMaxOrUint(*text)) out.spec.memoryLimitBytes = *limit;
  }
}

}  // namespace podkeeper::runtime::cgroup
