#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <vector>

#include "agent/http/router.h"
#include "metrics/exporter.h"

namespace podkeeper::http {

// Registers GET (and so HEAD) /metrics, /metrics/cadvisor and /metrics/resource on the router.
// /metrics serves the collectables (agent registry, process collector) followed by the
// cAdvisor container_* and machine_* families, for users who scrape one path.
// beforeAgentRender, when set, runs before each /metrics render (the agent refreshes gauges
// computed from its state there). exporter and the collectables must outlive the router.
void addMetricsRoutes(Router& router, metrics::Exporter& exporter,
                      std::vector<const prometheus::Collectable*> agentCollectables,
                      std::function<void()> beforeAgentRender = {});

}  // namespace podkeeper::http
