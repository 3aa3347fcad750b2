#include "agent/api/node_api.h"

#include "agent/api/api_response.h"
#include "status/kube_time.h"

namespace podkeeper::api {
namespace {

using reconciler::NodeCondition;

struct ConditionText {
  const char* trueReason;
  const char* trueMessage;
  const char* falseReason;
  const char* falseMessage;
};

// The kubelet's (pkg/kubelet/nodestatus/setters.go).
ConditionText textOf(NodeCondition c) {
  switch (c) {
    case NodeCondition::MemoryPressure:
      return {"KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
              "KubeletHasSufficientMemory", "kubelet has sufficient memory available"};
    case NodeCondition::DiskPressure:
      return {"KubeletHasDiskPressure", "kubelet has disk pressure", "KubeletHasNoDiskPressure",
              "kubelet has no disk pressure"};
    case NodeCondition::PIDPressure:
      return {"KubeletHasInsufficientPID", "kubelet has insufficient PID available",
              "KubeletHasSufficientPID", "kubelet has sufficient PID available"};
  }
  return {};
}

}  // namespace

nlohmann::json nodeJson(const reconciler::NodePressureStatus& s, const std::string& nodeName) {
  nlohmann::json conditions = nlohmann::json::array();
  for (auto c :
       {NodeCondition::MemoryPressure, NodeCondition::DiskPressure, NodeCondition::PIDPressure}) {
    const bool on = s.conditions.contains(c);
    const auto text = textOf(c);
    nlohmann::json j{{"type", reconciler::toString(c)},
                     {"status", s.observedAtNs ? (on ? "True" : "False") : "Unknown"},
                     {"reason", on ? text.trueReason : text.falseReason},
                     {"message", on ? text.trueMessage : text.falseMessage}};
    if (s.observedAtNs) j["lastHeartbeatTime"] = status::kubeTime(s.observedAtNs);
    if (auto t = s.lastTransitionNs.find(c); t != s.lastTransitionNs.end())
      j["lastTransitionTime"] = status::kubeTime(t->second);
    if (!s.observedAtNs) {
      j["reason"] = "NodeStatusUnknown";
      j["message"] = "not measured yet";
    }
    conditions.push_back(std::move(j));
  }
  nlohmann::json signals = nlohmann::json::object();
  for (const auto& [signal, o] : s.observed)
    signals[reconciler::toString(signal)] = {
        {"available", reconciler::formatQuantity(signal, o.available)},
        {"capacity", reconciler::formatQuantity(signal, o.capacity)}};
  for (const auto& t : s.thresholds) {
    auto& j = signals[reconciler::toString(t.signal)];
    const auto o = s.observed.find(t.signal);
    nlohmann::json threshold{{"kind", t.hard() ? "hard" : "soft"}};
    if (t.value.quantity)
      threshold["value"] = reconciler::formatQuantity(t.signal, *t.value.quantity);
    else
      threshold["value"] = std::to_string(int(t.value.percentage * 100.0 + 0.5)) + "%";
    if (o != s.observed.end())
      threshold["quantity"] =
          reconciler::formatQuantity(t.signal, t.value.resolve(o->second.capacity));
    j["thresholds"].push_back(std::move(threshold));
  }
  return {{"kind", "Node"},
          {"apiVersion", "v1"},
          {"metadata", {{"name", nodeName}}},
          {"status", {{"conditions", std::move(conditions)}, {"evictionSignals", signals}}}};
}

void addNodeRoute(http::Router& router,
                  std::function<const reconciler::NodePressureStatus&()> status,
                  std::string nodeName) {
  router.add("GET", "/node", [status = std::move(status), nodeName](const http::HttpRequest&) {
    return jsonResponse(nodeJson(status(), nodeName));
  });
}

}  // namespace podkeeper::api
