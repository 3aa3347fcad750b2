#include "runtime/cgroup/v1/cpu_v1.h"

#include <cerrno>

#include "runtime/cgroup/file_parsers.h"
#include "runtime/cgroup/resources.h"

namespace podkeeper::runtime::cgroup {

Result<void> applyCpuV1(const CgroupDir& dir, const Resources& r) {
  if (r.cpuShares) {
    if (auto w = dir.write("cpu.shares", std::to_string(*r.cpuShares)); !w) return w;
  }
  const std::string period = std::to_string(r.cpuPeriodUs);
  const std::string quota = v1LimitValue(r.cpuQuotaUs);
  // The kernel checks quota against period as each is written; when the new period does
  // not fit the old quota, the quota has to go first (as runc does).
  auto first = dir.write("cpu.cfs_period_us", period);
  if (!first && first.error().code == EINVAL) {
    if (auto q = dir.write("cpu.cfs_quota_us", quota); !q) return q;
    return dir.write("cpu.cfs_period_us", period);
  }
  if (!first) return first;
  return dir.write("cpu.cfs_quota_us", quota);
}

void readCpuV1(StatDir& dir, std::string& buf, Stats& out) {
  if (auto text = dir.tryRead("cpu.stat", buf)) {
    std::optional<uint64_t> throttledTimeNs;
    const FlatKey keys[] = {{"nr_periods", &out.cpu.periods},
                            {"nr_throttled", &out.cpu.throttledPeriods},
                            {"throttled_time", &throttledTimeNs}};
    scanFlatKeyed(*text, keys);
    out.cpu.throttledNs = throttledTimeNs;
  }
  out.spec.cpuShares = dir.tryReadUint("cpu.shares", buf);
  out.spec.cpuPeriodUs = dir.tryReadUint("cpu.cfs_period_us", buf);
  if (auto text = dir.tryRead("cpu.cfs_quota_us", buf)) {
    const auto quota = parseInt(*text);
    if (quota && *quota >= 0) out.spec.cpuQuotaUs = quota;
  }
}

}  // namespace podkeeper::runtime::cgroup
