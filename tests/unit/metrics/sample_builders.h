#pragma once

#include <gmock/gmock.h>

#include <string>

#include "metrics/target_sample.h"

namespace podkeeper::metrics::testing {

inline ContainerTarget containerTarget(std::string pod, std::string container, std::string cgroup) {
  return ContainerTarget{"default",      std::move(pod),    "uid-1",   std::move(container),
                         "busybox:1.36", std::move(cgroup), 1700000000};
}

inline ContainerTarget podTarget(std::string pod, std::string cgroup) {
  return ContainerTarget{"default", std::move(pod), "uid-1", "", "", std::move(cgroup), 1699999999};
}

// Stats with every field set to distinct round numbers.
inline runtime::cgroup::Stats fullStats() {
  runtime::cgroup::Stats s;
  s.cpu.usageNs = 2500000000;
  s.cpu.userNs = 1500000000;
  s.cpu.systemNs = 1000000000;
  s.cpu.periods = 40;
  s.cpu.throttledPeriods = 7;
  s.cpu.throttledNs = 300000000;
  s.memory.usageBytes = 50 << 20;
  s.memory.maxUsageBytes = 60 << 20;
  s.memory.inactiveFileBytes = 10 << 20;
  s.memory.rssBytes = 38 << 20;
  s.memory.cacheBytes = 12 << 20;
  s.memory.swapBytes = 0;
  s.memory.failcnt = 3;
  s.memory.oomKills = 1;
  s.spec.memoryLimitBytes = 64 << 20;
  s.spec.cpuShares = 512;
  s.spec.cpuQuotaUs = 50000;
  s.spec.cpuPeriodUs = 100000;
  s.processes = 2;
  s.threads = 5;
  return s;
}

}  // namespace podkeeper::metrics::testing

// The names renderer tests use, taken in with `using namespace testing::sample_names;`: the
// builders above and the gMock matchers their assertions on exposition text use.
namespace podkeeper::metrics::testing::sample_names {

using ::podkeeper::metrics::testing::containerTarget;
using ::podkeeper::metrics::testing::fullStats;
using ::podkeeper::metrics::testing::podTarget;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

}  // namespace podkeeper::metrics::testing::sample_names
