#include "metrics/cadvisor_values.h"

namespace podkeeper::metrics {

std::optional<double> workingSetBytes(const runtime::cgroup::MemoryStats& m) {
  if (!m.usageBytes) return std::nullopt;
  uint64_t usage = *m.usageBytes;
  uint64_t inactive = m.inactiveFileBytes.value_or(0);
  return inactive < usage ? static_cast<double>(usage - inactive) : 0.0;
}

double specMemoryLimitBytes(const std::optional<uint64_t>& limit) {
  constexpr uint64_t kUnlimitedAbove = uint64_t{1} << 62;
  if (!limit || *limit > kUnlimitedAbove) return 0;
  return static_cast<double>(*limit);
}

bool hasCpuQuota(const runtime::cgroup::SpecStats& spec) {
  return spec.cpuQuotaUs.has_value() && *spec.cpuQuotaUs > 0;
}

std::optional<double> nanosToSeconds(const std::optional<uint64_t>& ns) {
  if (!ns) return std::nullopt;
  return static_cast<double>(*ns) / 1e9;
}

std::optional<double> asDouble(const std::optional<uint64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

}  // namespace podkeeper::metrics
