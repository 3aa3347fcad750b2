#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "metrics/machine.h"
#include "metrics/target_sample.h"

namespace podkeeper::metrics {

// Renders the kubelet's /metrics/resource families (what metrics-server reads): node, pod
// and container CPU and working set, container start time and resource_scrape_error, with
// millisecond timestamps on the usage samples as the kubelet writes them. Pod values come
// from the pod cgroup rows (container == "").
void renderResource(std::span<const TargetSample> samples, const std::optional<NodeUsage>& node,
                    int64_t timestampMs, bool scrapeError, std::string& out);

}  // namespace podkeeper::metrics
