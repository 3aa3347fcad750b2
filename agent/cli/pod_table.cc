#include "agent/cli/pod_table.h"

#include <algorithm>

#include "agent/cli/kube_time_format.h"

namespace podkeeper::cli {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key, const std::string& fallback = "") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

const json& field(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

const json& list(const json& j, const char* key) {
  static const json empty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

std::string exitReason(const json& terminated, const std::string& prefix) {
  int signal = terminated.value("signal", 0);
  if (signal != 0) return prefix + "Signal:" + std::to_string(signal);
  return prefix + "ExitCode:" + std::to_string(terminated.value("exitCode", 0));
}

// A sidecar: an init container with restartPolicy Always (kubectl's isRestartableInitContainer).
bool isSidecar(const json& pod, const std::string& name) {
  for (const auto& c : list(field(pod, "spec"), "initContainers"))
    if (str(c, "name") == name) return str(c, "restartPolicy") == "Always";
  return false;
}

bool startedSidecar(const json& pod, const json& status) {
  return isSidecar(pod, str(status, "name")) && status.value("started", false);
}

// kubectl: the first init container not done decides the status while initializing; a
// sidecar is done once started.
std::optional<std::string> initStatus(const json& pod) {
  const auto& statuses = list(field(pod, "status"), "initContainerStatuses");
  size_t total = list(field(pod, "spec"), "initContainers").size();
  for (size_t i = 0; i < statuses.size(); ++i) {
    const json& state = field(statuses[i], "state");
    const json& terminated = field(state, "terminated");
    const std::string waiting = str(field(state, "waiting"), "reason");
    if (!terminated.empty() && terminated.value("exitCode", 0) == 0) continue;
    if (startedSidecar(pod, statuses[i])) continue;
    if (!terminated.empty()) {
      std::string reason = str(terminated, "reason");
      return reason.empty() ? exitReason(terminated, "Init:") : "Init:" + reason;
    }
    if (!waiting.empty() && waiting != "PodInitializing") return "Init:" + waiting;
    return "Init:" + std::to_string(i) + "/" + std::to_string(total);
  }
  return std::nullopt;
}

bool hasReadyCondition(const json& pod) {
  for (const auto& c : list(field(pod, "status"), "conditions"))
    if (str(c, "type") == "Ready" && str(c, "status") == "True") return true;
  return false;
}

std::string containerStatus(const json& pod, std::string reason) {
  bool hasRunning = false;
  const auto& statuses = list(field(pod, "status"), "containerStatuses");
  for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
    const json& state = field(*it, "state");
    const json& terminated = field(state, "terminated");
    std::string waiting = str(field(state, "waiting"), "reason");
    if (!waiting.empty())
      reason = waiting;
    else if (!terminated.empty())
      reason = str(terminated, "reason").empty() ? exitReason(terminated, "")
                                                 : str(terminated, "reason");
    else if (it->value("ready", false) && state.contains("running"))
      hasRunning = true;
  }
  if (reason == "Completed" && hasRunning) reason = hasReadyCondition(pod) ? "Running" : "NotReady";
  return reason;
}

// kubectl counts sidecars with the regular containers.
std::string readyColumn(const json& pod) {
  int ready = 0;
  for (const auto& s : list(field(pod, "status"), "containerStatuses"))
    if (s.value("ready", false) && field(s, "state").contains("running")) ++ready;
  for (const auto& s : list(field(pod, "status"), "initContainerStatuses"))
    if (startedSidecar(pod, s) && s.value("ready", false)) ++ready;
  size_t total = list(field(pod, "spec"), "containers").size();
  for (const auto& c : list(field(pod, "spec"), "initContainers"))
    if (str(c, "restartPolicy") == "Always") ++total;
  return std::to_string(ready) + "/" + std::to_string(total);
}

std::string restartsColumn(const json& pod, int64_t nowNs) {
  const json& status = field(pod, "status");
  bool initializing = initStatus(pod).has_value();
  int restarts = 0;
  std::optional<int64_t> lastRestart;
  auto count = [&](const json& statuses) {
    for (const auto& s : statuses) {
      restarts += s.value("restartCount", 0);
      auto t = parseRfc3339(str(field(field(s, "lastState"), "terminated"), "finishedAt"));
      if (t && (!lastRestart || *t > *lastRestart)) lastRestart = t;
    }
  };
  if (initializing) {
    count(list(status, "initContainerStatuses"));
  } else {
    json sidecars = json::array();  // their restarts count once the pod is initialized
    for (const auto& s : list(status, "initContainerStatuses"))
      if (isSidecar(pod, str(s, "name"))) sidecars.push_back(s);
    count(sidecars);
    count(list(status, "containerStatuses"));
  }
  std::string out = std::to_string(restarts);
  if (restarts > 0 && lastRestart)
    out += " (" + humanDuration((nowNs - *lastRestart) / 1'000'000'000) + " ago)";
  return out;
}

void appendRow(std::string& out, const std::vector<std::string>& cells,
               const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line.append(widths[i] - cells[i].size(), ' ');
  }
  out += line + "\n";
}

}  // namespace

std::string podStatusReason(const json& pod) {
  const json& status = field(pod, "status");
  std::string reason = str(status, "reason", str(status, "phase"));
  if (auto init = initStatus(pod))
    reason = *init;
  else
    reason = containerStatus(pod, reason);
  if (field(pod, "metadata").contains("deletionTimestamp")) reason = "Terminating";
  return reason;
}

PodRow podRow(const json& pod, int64_t nowNs) {
  const json& meta = field(pod, "metadata");
  const json& status = field(pod, "status");
  std::string created = str(meta, "creationTimestamp", str(status, "startTime"));
  return PodRow{str(meta, "namespace"),
                str(meta, "name"),
                readyColumn(pod),
                podStatusReason(pod),
                restartsColumn(pod, nowNs),
                ageOf(created, nowNs),
                str(status, "podIP", "<none>"),
                str(field(pod, "spec"), "nodeName", "<none>")};
}

std::string renderTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(6);
      widths[i] = std::max(widths[i], row[i].size() + 3);
    }
  std::string out;
  for (const auto& row : rows) appendRow(out, row, widths);
  return out;
}

std::string renderPodTable(const std::vector<PodRow>& rows, const TableOptions& options) {
  std::vector<std::vector<std::string>> table;
  auto line = [&](const PodRow& r) {
    std::vector<std::string> cells;
    if (options.withNamespace) cells.push_back(r.namespace_);
    for (const auto* c : {&r.name, &r.ready, &r.status, &r.restarts, &r.age}) cells.push_back(*c);
    if (options.wide) cells.insert(cells.end(), {r.ip, r.node});
    table.push_back(std::move(cells));
  };
  line({"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"});
  for (const auto& r : rows) line(r);
  return renderTable(table);
}

}  // namespace podkeeper::cli
