#pragma once

#include <string>
#include <string_view>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/stat_file_cache.h"

// v2 "memory" controller.
namespace podkeeper::runtime::cgroup {

// memory.max ("max" when unlimited).
Result<void> applyMemoryV2(const CgroupDir& dir, const Resources& r);

// memory.stat anon/file/inactive_file and memory.events max/oom_kill into out.
void parseMemoryStatV2(std::string_view text, MemoryStats& out);
void parseMemoryEventsV2(std::string_view text, MemoryStats& out);

// memory.current, memory.peak, memory.stat, memory.swap.current, memory.events into
// out.memory; memory.max into out.spec.
void readMemoryV2(StatDir& dir, std::string& buf, Stats& out);

}  // namespace podkeeper::runtime::cgroup
