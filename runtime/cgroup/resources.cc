#include "runtime/cgroup/resources.h"

#include <algorithm>

namespace podkeeper::runtime::cgroup {

uint64_t cpuSharesFromMilli(int64_t milli) {
  if (milli <= 0) return kMinShares;
  // Clamp before multiplying so huge requests cannot overflow.
  const int64_t capped = std::min<int64_t>(milli, static_cast<int64_t>(kMaxShares) * 1000);
  const auto shares = static_cast<uint64_t>(capped * 1024 / 1000);
  return std::clamp(shares, kMinShares, kMaxShares);
}

std::optional<int64_t> cpuQuotaFromMilli(int64_t limitMilli, uint64_t periodUs) {
  if (limitMilli <= 0) return std::nullopt;
  const int64_t quota = limitMilli * static_cast<int64_t>(periodUs) / 1000;
  return std::max(quota, kMinCpuQuotaUs);
}

uint64_t cpuWeightFromShares(uint64_t shares) {
  const uint64_t s = std::clamp(shares, kMinShares, kMaxShares);
  return 1 + ((s - 2) * 9999) / 262142;
}

uint64_t cpuSharesFromWeight(uint64_t weight) {
  const uint64_t w = std::clamp<uint64_t>(weight, 1, 10000);
  return ((w - 1) * 262142) / 9999 + 2;
}

std::string cpuMaxValue(std::optional<int64_t> quotaUs, uint64_t periodUs) {
  return (quotaUs ? std::to_string(*quotaUs) : std::string("max")) + " " + std::to_string(periodUs);
}

std::string memoryMaxValue(std::optional<int64_t> limitBytes) {
  return limitBytes ? std::to_string(*limitBytes) : std::string("max");
}

std::string pidsMaxValue(int64_t limit) {
  return limit > 0 ? std::to_string(limit) : std::string("max");
}

std::string v1LimitValue(std::optional<int64_t> value) {
  return value ? std::to_string(*value) : std::string("-1");
}

}  // namespace podkeeper::runtime::cgroup
