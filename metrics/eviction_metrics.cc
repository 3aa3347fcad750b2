#include "metrics/eviction_metrics.h"

namespace podkeeper::metrics {

namespace {
constexpr const char* kConditions[] = {"MemoryPressure", "DiskPressure", "PIDPressure"};
}

EvictionMetrics::EvictionMetrics(prometheus::Registry& registry)
    : evictions_(prometheus::BuildCounter()
                     .Name("kubelet_evictions")
                     .Help("Cumulative number of pod evictions by eviction signal")
                     .Register(registry)),
      conditions_(prometheus::BuildGauge()
                      .Name("podkeeper_node_condition")
                      .Help("Whether a node condition (MemoryPressure, DiskPressure, "
                            "PIDPressure) is true (1) or false (0).")
                      .Register(registry)) {
  for (const char* c : kConditions) conditions_.Add({{"condition", c}}).Set(0);
}

void EvictionMetrics::setConditions(const std::set<std::string>& trueNow) {
  for (const char* c : kConditions)
    conditions_.Add({{"condition", c}}).Set(trueNow.contains(c) ? 1 : 0);
}

}  // namespace podkeeper::metrics
