#pragma once

#include <string>
#include <string_view>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/stat_file_cache.h"

// v2 "cpu" controller: cpu.weight, cpu.max; cpu.stat (present even without the controller).
namespace podkeeper::runtime::cgroup {

// cpu.weight (from shares, when set) and cpu.max.
Result<void> applyCpuV2(const CgroupDir& dir, const Resources& r);

// cpu.stat usage_usec/user_usec/system_usec/nr_periods/nr_throttled/throttled_usec -> ns.
void parseCpuStatV2(std::string_view text, CpuStats& out);

// cpu.stat into out.cpu; cpu.weight (as shares) and cpu.max into out.spec.
void readCpuV2(StatDir& dir, std::string& buf, Stats& out);

}  // namespace podkeeper::runtime::cgroup
