#include "runtime/cgroup/v2/cpu_v2.h"

#include "runtime/cgroup/file_parsers.h"
#include "runtime/cgroup/resources.h"

namespace podkeeper::runtime::cgroup {
namespace {

std::optional<uint64_t> usToNs(std::optional<uint64_t> us) {
  return us ? std::optional<uint64_t>(*us * 1000) : std::nullopt;
}

}  // namespace

Result<void> applyCpuV2(const CgroupDir& dir, const Resources& r) {
  if (r.cpuShares) {
    const auto weight = std::to_string(cpuWeightFromShares(*r.cpuShares));
    if (auto w = dir.write("cpu.weight", weight); !w) return w;
  }
  return dir.write("cpu.max", cpuMaxValue(r.cpuQuotaUs, r.cpuPeriodUs));
}

void parseCpuStatV2(std::string_view text, CpuStats& out) {
  std::optional<uint64_t> usage, user, system, throttled;
  const FlatKey keys[] = {{"usage_usec", &usage},
                          {"user_usec", &user},
                          {"system_usec", &system},
                          {"nr_periods", &out.periods},
                          {"nr_throttled", &out.throttledPeriods},
                          {"throttled_usec", &throttled}};
  scanFlatKeyed(text, keys);
  out.usageNs = usToNs(usage);
  out.userNs = usToNs(user);
  out.systemNs = usToNs(system);
  out.throttledNs = usToNs(throttled);
}

void readCpuV2(StatDir& dir, std::string& buf, Stats& out) {
  if (auto text = dir.tryRead("cpu.stat", buf)) parseCpuStatV2(*text, out.cpu);
  if (auto weight = dir.tryReadUint("cpu.weight", buf)) {
    out.spec.cpuShares = cpuSharesFromWeight(*weight);
  }
  if (auto text = dir.tryRead("cpu.max", buf)) {
    if (auto max = parseCpuMax(*text)) {
      out.spec.cpuQuotaUs = max->quotaUs;
      out.spec.cpuPeriodUs = max->periodUs;
    }
  }
}

}  // namespace podkeeper::runtime::cgroup
