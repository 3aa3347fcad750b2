#pragma once

#include "metrics/net_dev.h"
#include "metrics/targets.h"
#include "runtime/cgroup/cgroup_manager.h"

namespace podkeeper::metrics {

// A target together with the stats read from its cgroup during this scrape.
struct TargetSample {
  ContainerTarget target;
  runtime::cgroup::Stats stats;
  std::vector<InterfaceStats> network = {};  // pod rows only
};

inline bool isPodRow(const ContainerTarget& t) { return t.container.empty(); }

}  // namespace podkeeper::metrics
