#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/stat_file_cache.h"

// v1 "cpuacct" controller: cpuacct.usage (ns) and cpuacct.stat (USER_HZ ticks).
namespace podkeeper::runtime::cgroup {

// cpuacct.stat "user <ticks>\nsystem <ticks>" into out.userNs/systemNs.
void parseCpuacctStat(std::string_view text, uint64_t ticksPerSecond, CpuStats& out);

void readCpuacctV1(StatDir& dir, std::string& buf, uint64_t ticksPerSecond, CpuStats& out);

}  // namespace podkeeper::runtime::cgroup
