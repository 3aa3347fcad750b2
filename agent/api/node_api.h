#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/http/router.h"
#include "reconciler/eviction_monitor.h"

// GET /node: the node's pressure conditions as a Kubernetes Node object's status (kind Node,
// status.conditions MemoryPressure, DiskPressure, PIDPressure with the kubelet's reasons and
// messages), plus status.evictionSignals: each signal's last observation and thresholds.
// On the unix socket and (authorized as `pods`) on the HTTPS port.
namespace podkeeper::api {

nlohmann::json nodeJson(const reconciler::NodePressureStatus& status, const std::string& nodeName);

void addNodeRoute(http::Router& router,
                  std::function<const reconciler::NodePressureStatus&()> status,
                  std::string nodeName);

}  // namespace podkeeper::api
