#include "runtime/cgroup/v1/cpuacct_v1.h"

#include "runtime/cgroup/file_parsers.h"

namespace podkeeper::runtime::cgroup {
namespace {

std::optional<uint64_t> ticksToNs(std::optional<uint64_t> ticks, uint64_t ticksPerSecond) {
  if (!ticks || ticksPerSecond == 0) return std::nullopt;
  return *ticks * (1000000000ULL / ticksPerSecond);
}

}  // namespace

void parseCpuacctStat(std::string_view text, uint64_t ticksPerSecond, CpuStats& out) {
  std::optional<uint64_t> user, system;
  const FlatKey keys[] = {{"user", &user}, {"system", &system}};
  scanFlatKeyed(text, keys);
  out.userNs = ticksToNs(user, ticksPerSecond);
  out.systemNs = ticksToNs(system, ticksPerSecond);
}

void readCpuacctV1(StatDir& dir, std::string& buf, uint64_t ticksPerSecond, CpuStats& out) {
  out.usageNs = dir.tryReadUint("cpuacct.usage", buf);
  if (auto text = dir.tryRead("cpuacct.stat", buf)) parseCpuacctStat(*text, ticksPerSecond, out);
}

}  // namespace podkeeper::runtime::cgroup
