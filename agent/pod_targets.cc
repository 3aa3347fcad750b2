#include "agent/pod_targets.h"

namespace podkeeper::agent {

std::vector<metrics::ContainerTarget> PodTargets::targets() const {
  std::vector<metrics::ContainerTarget> out;
  for (const auto* sandbox : pods_.observedSandboxes()) {
    metrics::ContainerTarget pod;
    pod.namespace_ = sandbox->namespace_;
    pod.pod = sandbox->name;
    pod.podUid = sandbox->uid;
    pod.cgroupPath = sandbox->cgroupParent;
    double earliest = 0;
    for (const auto& c : sandbox->containers) {
      if (!c.running) continue;
      metrics::ContainerTarget row = pod;
      row.container = c.name;
      row.image = c.image;
      row.cgroupPath = c.cgroupPath;
      row.startTimeSeconds = double(c.startedAtNs) / 1e9;
      if (earliest == 0 || row.startTimeSeconds < earliest) earliest = row.startTimeSeconds;
      if (pod.netPid == 0 && c.pid > 0) pod.netPid = c.pid;
      out.push_back(std::move(row));
    }
    pod.startTimeSeconds = earliest;
    out.push_back(std::move(pod));
  }
  return out;
}

}  // namespace podkeeper::agent
