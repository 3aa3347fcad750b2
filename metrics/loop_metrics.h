#pragma once

#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace podkeeper::metrics {

// How responsive the agent's loop is and where a pod's start spends its time:
//   podkeeper_loop_lag_seconds                   how late a timer on the loop ran (loop_lag.h)
//   podkeeper_pod_start_duration_seconds{stage}  one stage of a pod's start: queued (waiting
//     for a start slot), sandbox (namespaces, cgroup, pod files), container (the shim's start
//     up to the container's exec), as the kubelet's pod_start_duration_seconds and
//     pod_worker_duration_seconds split a start.
// Observed from the loop and from runtime workers; prometheus-cpp histograms are thread-safe.
class LoopMetrics {
 public:
  explicit LoopMetrics(prometheus::Registry& registry);

  void observeLoopLag(double seconds) { loopLag_.Observe(seconds); }
  void observeStartStage(const std::string& stage, double seconds);

 private:
  prometheus::Family<prometheus::Histogram>& loopLagFamily_;
  prometheus::Histogram& loopLag_;
  prometheus::Family<prometheus::Histogram>& startStages_;
};

}  // namespace podkeeper::metrics
