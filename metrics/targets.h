#pragma once

#include <string>
#include <vector>

#include "runtime/cgroup/cgroup_manager.h"

namespace podkeeper::metrics {

// One cgroup the exporter reports on: a running container, or a pod cgroup (container and
// image empty). The `id` label is "/" + cgroupPath; the `name` label is the cgroup's leaf for
// containers and empty for pods, as the kubelet's cAdvisor shows them.
struct ContainerTarget {
  std::string namespace_;
  std::string pod;
  std::string podUid;
  std::string container;
  std::string image;
  runtime::cgroup::CgroupPath cgroupPath;
  double startTimeSeconds = 0;  // unix epoch
  // Pod rows: a process in the pod's network namespace, whose /proc/<pid>/net/dev gives the
  // container_network_* families; 0 = none.
  int netPid = 0;

  bool operator==(const ContainerTarget&) const = default;
};

// What is running now; asked once per scrape so a stopped container vanishes at once.
class TargetSource {
 public:
  virtual ~TargetSource() = default;
  virtual std::vector<ContainerTarget> targets() const = 0;
};

}  // namespace podkeeper::metrics
