#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <set>
#include <string>

namespace podkeeper::metrics {

// Node-pressure eviction, as the kubelet exports it:
//   kubelet_evictions{eviction_signal}    pods evicted, by the signal that was short
//     (memory.available, nodefs.available, ...), the kubelet's own counter name
//   podkeeper_node_condition{condition}   1 while MemoryPressure, DiskPressure or
//     PIDPressure is true, else 0 (kube-state-metrics' kube_node_status_condition, per node)
class EvictionMetrics {
 public:
  explicit EvictionMetrics(prometheus::Registry& registry);
  void evicted(const std::string& signal) {
    evictions_.Add({{"eviction_signal", signal}}).Increment();
  }
  // The conditions true now; the others are set to 0.
  void setConditions(const std::set<std::string>& trueNow);

 private:
  prometheus::Family<prometheus::Counter>& evictions_;
  prometheus::Family<prometheus::Gauge>& conditions_;
};

}  // namespace podkeeper::metrics
