#pragma once

#include "metrics/targets.h"
#include "status/pod_reader.h"

namespace podkeeper::agent {

// The exporter's view of what runs: one row per pod cgroup and one per running container,
// read from the observed sandboxes at scrape time.
class PodTargets final : public metrics::TargetSource {
 public:
  explicit PodTargets(const status::PodReader& pods) : pods_(pods) {}
  std::vector<metrics::ContainerTarget> targets() const override;

 private:
  const status::PodReader& pods_;
};

}  // namespace podkeeper::agent
