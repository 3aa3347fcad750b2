#pragma once

#include <cstdint>
#include <string>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/stat_file_cache.h"

// v1 "memory" controller.
namespace podkeeper::runtime::cgroup {

// memory.limit_in_bytes ("-1" when unlimited). Lowering it below the usage fails with EBUSY.
Result<void> applyMemoryV1(const CgroupDir& dir, const Resources& r);

// usage, max usage, memory.stat totals, failcnt, oom_control oom_kill into out.memory;
// the limit into out.spec (the kernel's "unlimited" value, which depends on pageSize, is
// reported as nullopt).
void readMemoryV1(StatDir& dir, std::string& buf, uint64_t pageSize, Stats& out);

}  // namespace podkeeper::runtime::cgroup
