#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace podkeeper::metrics {

// The agent's own podkeeper_* metrics, registered in a registry the composition root owns.
// Called from the agent loop; prometheus-cpp makes the updates thread-safe anyway.
class AgentMetrics {
 public:
  explicit AgentMetrics(prometheus::Registry& registry);

  void observeReconcile(double seconds);
  // From the manifest being seen to all of the pod's containers started.
  void observePodStartLatency(double seconds);
  void containerRestarted(const std::string& ns, const std::string& pod,
                          const std::string& container);
  void setManifestErrors(int files);
  // Phase -> count; phases missing from the map are set to 0.
  void setPodsByPhase(const std::map<std::string, int>& counts);
  // Pods running with only lo because the node has no CNI configuration.
  void setPodsWithoutNetwork(size_t pods);
  // probeType: liveness|readiness|startup; result: success|failure|error.
  void probeResult(const std::string& ns, const std::string& pod, const std::string& container,
                   const std::string& probeType, const std::string& result);
  // path: the matched route pattern (Router::onResponse), not the raw target, to bound
  // cardinality; "" (no route) is counted as "unmatched".
  void httpRequest(const std::string& path, int status);
  // A request the HTTPS port refused; reason: anonymous, invalid_token, forbidden.
  void httpAuthRefused(const std::string& reason);
  // What the shim of the container instance started at startedAtNs counted as log entries
  // its CRI log could not take (a full log filesystem). The counter grows by what is new
  // since the last call for the same instance, by the whole count for a new instance.
  void logEntriesDropped(const std::string& ns, const std::string& pod,
                         const std::string& container, int64_t startedAtNs, uint64_t total);
  // Drops the per-pod series (restarts, probes, dropped log entries) of a deleted pod so none
  // lingers.
  void forgetPod(const std::string& ns, const std::string& pod);

 private:
  using PodKey = std::pair<std::string, std::string>;

  prometheus::Family<prometheus::Histogram>& reconcileDuration_;
  prometheus::Histogram& reconcile_;
  prometheus::Family<prometheus::Histogram>& podStartLatencyFamily_;
  prometheus::Histogram& podStartLatency_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Family<prometheus::Gauge>& manifestErrorsFamily_;
  prometheus::Gauge& manifestErrors_;
  prometheus::Family<prometheus::Gauge>& podsByPhase_;
  prometheus::Gauge& podsWithoutNetwork_;
  prometheus::Family<prometheus::Counter>& probes_;
  prometheus::Family<prometheus::Counter>& httpRequests_;
  prometheus::Family<prometheus::Counter>& httpAuthRefusals_;
  std::map<PodKey, std::vector<prometheus::Counter*>> restartSeries_;
  std::map<PodKey, std::vector<prometheus::Counter*>> probeSeries_;
  prometheus::Family<prometheus::Counter>& logDropped_;
  struct DroppedSeen {
    prometheus::Counter* counter = nullptr;
    int64_t startedAtNs = 0;
    uint64_t total = 0;
  };
  std::map<PodKey, std::map<std::string, DroppedSeen>> logDroppedSeries_;  // by container
};

// The version this binary was built as (project version from CMake).
const char* buildVersion();

}  // namespace podkeeper::metrics
