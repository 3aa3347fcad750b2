#pragma once

#include <cstdint>
#include <optional>
#include <string>

// Kubernetes resources -> cgroup values, exactly as the kubelet (and runc for v2) compute them.
namespace podkeeper::runtime::cgroup {

inline constexpr uint64_t kMinShares = 2;
inline constexpr uint64_t kMaxShares = 262144;
inline constexpr uint64_t kDefaultCpuPeriodUs = 100000;
inline constexpr int64_t kMinCpuQuotaUs = 1000;

// cpu.shares from a CPU request in millicores: milli*1024/1000 clamped to [2, 262144].
// A request of 0 (absent) gives 2: BestEffort containers get the smallest weight, as in the
// kubelet.
uint64_t cpuSharesFromMilli(int64_t milli);

// cfs quota from a CPU limit in millicores: limit*period/1000, at least 1000 us.
// nullopt (no quota) when the limit is 0 or absent.
std::optional<int64_t> cpuQuotaFromMilli(int64_t limitMilli,
                                         uint64_t periodUs = kDefaultCpuPeriodUs);

// v2 cpu.weight from v1 shares (runc's formula): 1 + ((shares-2)*9999)/262142, shares clamped
// to [2, 262144] first, so the result is in [1, 10000].
uint64_t cpuWeightFromShares(uint64_t shares);

// The inverse used when reading v2 back (kubelet/cAdvisor): ((weight-1)*262142)/9999 + 2.
uint64_t cpuSharesFromWeight(uint64_t weight);

// v2 cpu.max: "quota period", or "max period" without a quota.
std::string cpuMaxValue(std::optional<int64_t> quotaUs, uint64_t periodUs);

// v2 memory.max: bytes, or "max" when unlimited.
std::string memoryMaxValue(std::optional<int64_t> limitBytes);

// pids.max: the limit, or "max" when it is not positive (the kubelet's podPidsLimit -1).
std::string pidsMaxValue(int64_t limit);

// v1 cpu.cfs_quota_us and memory.limit_in_bytes: the number, or "-1" when unlimited.
std::string v1LimitValue(std::optional<int64_t> value);

}  // namespace podkeeper::runtime::cgroup
