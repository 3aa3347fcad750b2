#include "fleet/fleet_layout.h"

namespace podkeeper::fleet {

using nlohmann::json;

std::string desiredKey(const std::string& prefix, const std::string& node, const std::string& ns,
                       const std::string& name) {
  std::string base = node.empty() ? prefix + "/all/pods/" : prefix + "/nodes/" + node + "/pods/";
  return base + ns + "_" + name;
}
std::string statusPrefix(const std::string& prefix) { return prefix + "/status/"; }
std::string nodeStatusPrefix(const std::string& prefix, const std::string& node) {
  return statusPrefix(prefix) + node + "/";
}
std::string nodeRecordKey(const std::string& prefix, const std::string& node) {
  return nodeStatusPrefix(prefix, node) + "node";
}
std::string podStatusKey(const std::string& prefix, const std::string& node, const std::string& ns,
                         const std::string& name) {
  return nodeStatusPrefix(prefix, node) + "pods/" + ns + "_" + name;
}

json nodeRecord(const NodeFacts& f, bool ready, int pods) {
  json addresses = json::array();
  if (!f.address.empty()) addresses.push_back({{"type", "InternalIP"}, {"address", f.address}});
  addresses.push_back({{"type", "Hostname"}, {"address", f.name}});
  json capacity = {{"cpu", std::to_string(f.cpuCores)},
                   {"memory", std::to_string(f.memoryBytes / 1024) + "Ki"}};
  json r = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", f.name}}},
      {"status",
       {{"addresses", addresses},
        {"capacity", capacity},
        {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})},
        {"nodeInfo", {{"kubeletVersion", "podkeeper/" + f.version}}}}},
      {"podkeeper", {{"pods", pods}, {"startedAt", f.startedAt}}}};
  if (!f.metricsListen.empty()) r["podkeeper"]["metrics"] = f.metricsListen;
  return r;
}

json redactEnv(json pod) {
  if (!pod.contains("spec") || !pod["spec"].is_object()) return pod;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    auto& cs = pod["spec"][list];
    if (!cs.is_array()) {
      if (cs.is_null()) pod["spec"].erase(list);
      continue;
    }
    for (auto& c : cs) {
      if (!c.is_object() || !c.contains("env") || !c["env"].is_array()) continue;
      for (auto& e : c["env"]) {
        if (!e.is_object()) continue;
        bool had = e.contains("value") || e.contains("valueFrom");
        e.erase("value");
        e.erase("valueFrom");
        if (had) e["value"] = "(redacted)";
      }
    }
  }
  return pod;
}

FleetView parseFleetView(const std::string& prefix,
                         const std::vector<std::pair<std::string, std::string>>& kvs) {
  FleetView v;
  const std::string base = statusPrefix(prefix);
  for (const auto& [key, value] : kvs) {
    if (!key.starts_with(base)) continue;
    std::string rest = key.substr(base.size());  // <node>/node | <node>/pods/<ns>_<name>
    auto slash = rest.find('/');
    if (slash == std::string::npos) continue;
    std::string node = rest.substr(0, slash);
    std::string what = rest.substr(slash + 1);
    auto j = json::parse(value, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;  // not ours: skipped
    if (what == "node")
      v.nodes[node] = std::move(j);
    else if (what.starts_with("pods/"))
      v.pods.emplace_back(node, std::move(j));
  }
  return v;
}

json fileSdTargets(const FleetView& view) {
  json out = json::array();
  for (const auto& [node, record] : view.nodes) {
    auto metrics = record.value("podkeeper", json::object()).value("metrics", std::string());
    if (metrics.empty()) continue;
    // A listener on every address names the node's own address instead.
    if (metrics.starts_with("0.0.0.0:") || metrics.starts_with("[::]:")) {
      std::string port = metrics.substr(metrics.rfind(':') + 1);
      std::string address;
      for (const auto& a : record["status"].value("addresses", json::array()))
        if (a.value("type", "") == "InternalIP") address = a.value("address", "");
      if (address.empty()) continue;
      metrics = address + ":" + port;
    }
    out.push_back({{"targets", json::array({metrics})}, {"labels", {{"node", node}}}});
  }
  return out;
}

}  // namespace podkeeper::fleet
