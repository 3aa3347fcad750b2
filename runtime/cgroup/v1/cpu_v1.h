#pragma once

#include <string>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/stat_file_cache.h"

// v1 "cpu" controller: cpu.shares, cpu.cfs_quota_us, cpu.cfs_period_us, cpu.stat.
namespace podkeeper::runtime::cgroup {

Result<void> applyCpuV1(const CgroupDir& dir, const Resources& r);

// cpu.stat throttling counters into out.cpu, and the limits into out.spec.
void readCpuV1(StatDir& dir, std::string& buf, Stats& out);

}  // namespace podkeeper::runtime::cgroup
