#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <vector>

#include "agent/http/router.h"
#include "metrics/exporter.h"

namespace podkeeper::http {

// Runs work off the loop, then done on the loop (BackgroundWork::run).
using OffLoop = std::function<void(std::function<void()> work, std::function<void()> done)>;

// Registers GET (and so HEAD) /metrics, /metrics/cadvisor and /metrics/resource on the router.
// /metrics serves the collectables (agent registry, process collector) followed by the
// cAdvisor container_* and machine_* families, for users who scrape one path.
// beforeAgentRender, when set, runs before each /metrics render (the agent refreshes gauges
// computed from its state there). With offLoop, the targets are taken on the loop and the
// collectables' Collect, the cgroup reads, rendering and gzip run through it (the answer is
// deferred; the collectables must be thread-safe):
// with 200 containers a scrape is about 20 ms the loop does not wait for. Without it, all on
// the caller's thread. exporter and the collectables must outlive the router.
void addMetricsRoutes(Router& router, metrics::Exporter& exporter,
                      std::vector<const prometheus::Collectable*> agentCollectables,
                      std::function<void()> beforeAgentRender = {}, OffLoop offLoop = {});

}  // namespace podkeeper::http
