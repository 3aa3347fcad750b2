#pragma once

#include "metrics/targets.h"
#include "reconciler/reconciler.h"

namespace podkeeper::agent {

// The exporter's view of what runs: one row per pod cgroup and one per running container,
// read from the reconciler's observed state at scrape time.
class PodTargets final : public metrics::TargetSource {
 public:
  explicit PodTargets(const reconciler::Reconciler& reconciler) : reconciler_(reconciler) {}
  std::vector<metrics::ContainerTarget> targets() const override;

 private:
  const reconciler::Reconciler& reconciler_;
};

}  // namespace podkeeper::agent
