#include "metrics/agent_metrics.h"

#include <algorithm>

#ifndef PODKEEPER_VERSION
#define PODKEEPER_VERSION "unknown"
#endif

namespace podkeeper::metrics {
namespace {

const prometheus::Histogram::BucketBoundaries kReconcileBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
const prometheus::Histogram::BucketBoundaries kPodStartBuckets = {0.05, 0.1, 0.25, 0.5, 1,   2,
                                                                  5,    10,  30,   60,  120, 300};
const char* const kPhases[] = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};

void remember(std::vector<prometheus::Counter*>& series, prometheus::Counter* c) {
  if (std::find(series.begin(), series.end(), c) == series.end()) series.push_back(c);
}

}  // namespace

const char* buildVersion() { return PODKEEPER_VERSION; }

AgentMetrics::AgentMetrics(prometheus::Registry& registry)
    : reconcileDuration_(prometheus::BuildHistogram()
                             .Name("podkeeper_reconcile_duration_seconds")
                             .Help("Time one reconcile of a pod took.")
                             .Register(registry)),
      reconcile_(reconcileDuration_.Add({}, kReconcileBuckets)),
      podStartLatencyFamily_(prometheus::BuildHistogram()
                                 .Name("podkeeper_pod_start_latency_seconds")
                                 .Help("Time from a pod manifest being seen to all of its "
                                       "containers started.")
                                 .Register(registry)),
      podStartLatency_(podStartLatencyFamily_.Add({}, kPodStartBuckets)),
      restarts_(prometheus::BuildCounter()
                    .Name("podkeeper_container_restarts_total")
                    .Help("Restarts of a container by the restart policy or a liveness probe.")
                    .Register(registry)),
      manifestErrorsFamily_(prometheus::BuildGauge()
                                .Name("podkeeper_manifest_errors")
                                .Help("Manifest files that currently fail to decode or validate.")
                                .Register(registry)),
      manifestErrors_(manifestErrorsFamily_.Add({})),
      podsByPhase_(prometheus::BuildGauge()
                       .Name("podkeeper_pods")
                       .Help("Pods known to the agent, by phase.")
                       .Register(registry)),
      podsWithoutNetwork_(prometheus::BuildGauge()
                              .Name("podkeeper_pods_without_network")
                              .Help("Pods with only a loopback interface because the node has "
                                    "no CNI configuration.")
                              .Register(registry)
                              .Add({})),
      probes_(prometheus::BuildCounter()
                  .Name("podkeeper_probe_results_total")
                  .Help("Probe executions by probe type and result.")
                  .Register(registry)),
      httpRequests_(prometheus::BuildCounter()
                        .Name("podkeeper_http_requests_total")
                        .Help("HTTP requests served, by route and status code.")
                        .Register(registry)),
      httpAuthRefusals_(prometheus::BuildCounter()
                            .Name("podkeeper_http_auth_refusals_total")
                            .Help("Requests the HTTPS port refused (401, 403), by reason.")
                            .Register(registry)),
      logDropped_(prometheus::BuildCounter()
                      .Name("podkeeper_container_log_entries_dropped_total")
                      .Help("Lines a container wrote that its CRI log could not take (a full "
                            "or failing log filesystem), as its shim counted them.")
                      .Register(registry)) {
  prometheus::BuildGauge()
      .Name("podkeeper_build_info")
      .Help("A metric with a constant '1' value labeled by the podkeeper version.")
      .Register(registry)
      .Add({{"version", buildVersion()}})
      .Set(1);
  for (const char* phase : kPhases) podsByPhase_.Add({{"phase", phase}}).Set(0);
}

void AgentMetrics::observeReconcile(double seconds) { reconcile_.Observe(seconds); }

void AgentMetrics::observePodStartLatency(double seconds) { podStartLatency_.Observe(seconds); }

void AgentMetrics::containerRestarted(const std::string& ns, const std::string& pod,
                                      const std::string& container) {
  auto& c = restarts_.Add({{"namespace", ns}, {"pod", pod}, {"container", container}});
  c.Increment();
  remember(restartSeries_[{ns, pod}], &c);
}

void AgentMetrics::setManifestErrors(int files) { manifestErrors_.Set(files); }

void AgentMetrics::setPodsByPhase(const std::map<std::string, int>& counts) {
  for (const char* phase : kPhases) podsByPhase_.Add({{"phase", phase}}).Set(0);
  for (const auto& [phase, n] : counts) podsByPhase_.Add({{"phase", phase}}).Set(n);
}

void AgentMetrics::setPodsWithoutNetwork(size_t pods) {
  podsWithoutNetwork_.Set(static_cast<double>(pods));
}

void AgentMetrics::probeResult(const std::string& ns, const std::string& pod,
                               const std::string& container, const std::string& probeType,
                               const std::string& result) {
  auto& c = probes_.Add({{"namespace", ns},
                         {"pod", pod},
                         {"container", container},
                         {"probe_type", probeType},
                         {"result", result}});
  c.Increment();
  remember(probeSeries_[{ns, pod}], &c);
}

void AgentMetrics::httpRequest(const std::string& path, int status) {
  // "" is the Router's "no route": one series for every unknown path.
  httpRequests_.Add({{"path", path.empty() ? "unmatched" : path}, {"code", std::to_string(status)}})
      .Increment();
}

void AgentMetrics::httpAuthRefused(const std::string& reason) {
  httpAuthRefusals_.Add({{"reason", reason}}).Increment();
}

void AgentMetrics::logEntriesDropped(const std::string& ns, const std::string& pod,
                                     const std::string& container, int64_t startedAtNs,
                                     uint64_t total) {
  auto& seen = logDroppedSeries_[{ns, pod}][container];
  if (!seen.counter) {
    seen.counter = &logDropped_.Add({{"namespace", ns}, {"pod", pod}, {"container", container}});
  }
  if (seen.startedAtNs != startedAtNs) seen = {seen.counter, startedAtNs, 0};
  if (total > seen.total) {
    seen.counter->Increment(static_cast<double>(total - seen.total));
    seen.total = total;
  }
}

void AgentMetrics::forgetPod(const std::string& ns, const std::string& pod) {
  const PodKey key{ns, pod};
  if (auto it = logDroppedSeries_.find(key); it != logDroppedSeries_.end()) {
    for (auto& [container, seen] : it->second) logDropped_.Remove(seen.counter);
    logDroppedSeries_.erase(it);
  }
  if (auto it = restartSeries_.find(key); it != restartSeries_.end()) {
    for (auto* c : it->second) restarts_.Remove(c);
    restartSeries_.erase(it);
  }
  if (auto it = probeSeries_.find(key); it != probeSeries_.end()) {
    for (auto* c : it->second) probes_.Remove(c);
    probeSeries_.erase(it);
  }
}

}  // namespace podkeeper::metrics
