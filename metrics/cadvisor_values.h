#pragma once

#include <optional>

#include "runtime/cgroup/cgroup_manager.h"

// How cAdvisor turns raw cgroup values into its families. Pure functions.
namespace podkeeper::metrics {

// usage - inactive_file, floored at 0; usage alone when inactive_file is unknown.
std::optional<double> workingSetBytes(const runtime::cgroup::MemoryStats& m);

// cAdvisor reports "unlimited" (anything above 2^62, e.g. v1's 9223372036854771712) as 0.
double specMemoryLimitBytes(const std::optional<uint64_t>& limit);

// CFS families and container_spec_cpu_quota exist only where a quota is set.
bool hasCpuQuota(const runtime::cgroup::SpecStats& spec);

std::optional<double> nanosToSeconds(const std::optional<uint64_t>& ns);
std::optional<double> asDouble(const std::optional<uint64_t>& v);

}  // namespace podkeeper::metrics
