#include "agent/cli/describe_pod.h"

#include <ostream>
#include <sstream>

#include "agent/cli/get_pods.h"
#include "agent/cli/kube_time_format.h"
#include "agent/cli/pod_table.h"
#include "common/json_text.h"

namespace podkeeper::cli {
namespace {

using nlohmann::json;

std::string str(const json& j, const std::string& key, const std::string& fallback = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : dumpJson(*it);
}

const json& obj(const json& j, const std::string& key) {
  static const json empty = json::object();
  auto it = j.find(key);
  return it != j.end() && (it->is_object() || it->is_array()) ? *it : empty;
}

// "Label:" padded to a column, as kubectl's tabwriter lines it up.
void field(std::ostream& out, int indent, const std::string& label, const std::string& value,
           size_t width) {
  std::string key = std::string(indent, ' ') + label + ":";
  out << key << std::string(key.size() < width ? width - key.size() : 1, ' ') << value << "\n";
}

void mapField(std::ostream& out, const std::string& label, const json& map) {
  if (map.empty()) return field(out, 0, label, "<none>", 18);
  bool first = true;
  for (const auto& [k, v] : map.items()) {
    std::string line = k + (label == "Labels" ? "=" : ": ") + v.get<std::string>();
    if (first) field(out, 0, label, line, 18);
    if (!first) out << std::string(18, ' ') << line << "\n";
    first = false;
  }
}

void header(std::ostream& out, const json& pod) {
  const json& meta = obj(pod, "metadata");
  const json& spec = obj(pod, "spec");
  const json& status = obj(pod, "status");
  field(out, 0, "Name", str(meta, "name"), 18);
  field(out, 0, "Namespace", str(meta, "namespace"), 18);
  field(out, 0, "Priority", str(spec, "priority", "0"), 18);
  field(out, 0, "Node", str(spec, "nodeName", "<none>") + "/" + str(status, "hostIP"), 18);
  field(out, 0, "Start Time", describeTime(str(status, "startTime", "<unknown>")), 18);
  mapField(out, "Labels", obj(meta, "labels"));
  mapField(out, "Annotations", obj(meta, "annotations"));
  field(out, 0, "Status", podStatusReason(pod), 18);
  field(out, 0, "IP", str(status, "podIP"), 18);
  out << "IPs:\n";
  for (const auto& ip : obj(status, "podIPs")) out << "  IP:  " << str(ip, "ip") << "\n";
}

void describeState(std::ostream& out, const std::string& label, const json& state) {
  if (state.contains("running")) {
    field(out, 4, label, "Running", 20);
    field(out, 6, "Started", describeTime(str(state["running"], "startedAt")), 20);
  } else if (state.contains("waiting")) {
    field(out, 4, label, "Waiting", 20);
    field(out, 6, "Reason", str(state["waiting"], "reason"), 20);
    if (state["waiting"].contains("message"))
      field(out, 6, "Message", str(state["waiting"], "message"), 20);
  } else if (state.contains("terminated")) {
    const json& t = state["terminated"];
    field(out, 4, label, "Terminated", 20);
    field(out, 6, "Reason", str(t, "reason"), 20);
    if (t.contains("message")) field(out, 6, "Message", str(t, "message"), 20);
    field(out, 6, "Exit Code", str(t, "exitCode"), 20);
    if (t.contains("signal")) field(out, 6, "Signal", str(t, "signal"), 20);
    field(out, 6, "Started", describeTime(str(t, "startedAt")), 20);
    field(out, 6, "Finished", describeTime(str(t, "finishedAt")), 20);
  } else if (label != "Last State") {
    field(out, 4, label, "Waiting", 20);
  }
}

void listField(std::ostream& out, const std::string& label, const json& items) {
  if (items.empty()) return;
  out << "    " << label << ":\n";
  for (const auto& item : items) out << "      " << item.get<std::string>() << "\n";
}

void resources(std::ostream& out, const json& spec) {
  const json& res = obj(spec, "resources");
  for (const auto& [label, key] : {std::pair{"Limits", "limits"}, {"Requests", "requests"}}) {
    if (!res.contains(key)) continue;
    out << "    " << label << ":\n";
    for (const auto& [name, q] : res[key].items()) field(out, 6, name, q.get<std::string>(), 16);
  }
}

void environment(std::ostream& out, const json& spec) {
  const json& env = obj(spec, "env");
  if (env.empty()) return field(out, 4, "Environment", "<none>", 20);
  out << "    Environment:\n";
  for (const auto& e : env) {
    std::string value =
        e.contains("valueFrom") ? "(" + dumpJson(obj(e, "valueFrom")) + ")" : str(e, "value");
    field(out, 6, str(e, "name"), value, 0);
  }
}

void mounts(std::ostream& out, const json& spec) {
  const json& list = obj(spec, "volumeMounts");
  if (list.empty()) return field(out, 4, "Mounts", "<none>", 20);
  out << "    Mounts:\n";
  for (const auto& m : list)
    out << "      " << str(m, "mountPath") << " from " << str(m, "name") << " ("
        << (m.value("readOnly", false) ? "ro" : "rw") << ")\n";
}

std::string ports(const json& spec, const char* key) {
  std::string s;
  for (const auto& p : obj(spec, "ports")) {
    if (!p.contains(key)) continue;
    s += (s.empty() ? "" : ", ") + str(p, key) + "/" + str(p, "protocol", "TCP");
  }
  return s.empty() ? "<none>" : s;
}

void container(std::ostream& out, const json& spec, const json& status) {
  out << "  " << str(spec, "name") << ":\n";
  field(out, 4, "Container ID", str(status, "containerID"), 20);
  field(out, 4, "Image", str(spec, "image"), 20);
  field(out, 4, "Image ID", str(status, "imageID"), 20);
  field(out, 4, "Port", ports(spec, "containerPort"), 20);
  field(out, 4, "Host Port", ports(spec, "hostPort"), 20);
  listField(out, "Command", obj(spec, "command"));
  listField(out, "Args", obj(spec, "args"));
  describeState(out, "State", obj(status, "state"));
  describeState(out, "Last State", obj(status, "lastState"));
  field(out, 4, "Ready", status.value("ready", false) ? "True" : "False", 20);
  field(out, 4, "Restart Count", str(status, "restartCount", "0"), 20);
  resources(out, spec);
  environment(out, spec);
  mounts(out, spec);
}

void containers(std::ostream& out, const json& pod, const char* specKey, const char* statusKey,
                const char* title) {
  const json& specs = obj(obj(pod, "spec"), specKey);
  if (specs.empty()) return;
  out << title << ":\n";
  for (const auto& spec : specs) {
    json status = json::object();
    for (const auto& s : obj(obj(pod, "status"), statusKey))
      if (str(s, "name") == str(spec, "name")) status = s;
    container(out, spec, status);
  }
}

void conditions(std::ostream& out, const json& pod) {
  std::vector<std::vector<std::string>> rows{{"  Type", "Status"}};
  for (const auto& c : obj(obj(pod, "status"), "conditions"))
    rows.push_back({"  " + str(c, "type"), str(c, "status")});
  out << "Conditions:\n" << renderTable(rows);
}

void volumes(std::ostream& out, const json& pod) {
  const json& list = obj(obj(pod, "spec"), "volumes");
  if (list.empty()) return field(out, 0, "Volumes", "<none>", 18);
  out << "Volumes:\n";
  for (const auto& v : list) {
    out << "  " << str(v, "name") << ":\n";
    for (const auto& [type, source] : v.items())
      if (type != "name") field(out, 4, "Type", type + " " + dumpJson(source), 14);
  }
}

std::string eventAge(const json& e, int64_t nowNs) {
  std::string first = ageOf(str(e, "firstTimestamp"), nowNs);
  int count = e.value("count", 1);
  if (count <= 1) return first;
  return ageOf(str(e, "lastTimestamp"), nowNs) + " (x" + std::to_string(count) + " over " + first +
         ")";
}

void events(std::ostream& out, const json& eventList, int64_t nowNs) {
  const json& items = obj(eventList, "items");
  if (items.empty()) return field(out, 0, "Events", "<none>", 18);
  std::vector<std::vector<std::string>> rows{{"  Type", "Reason", "Age", "From", "Message"},
                                             {"  ----", "------", "----", "----", "-------"}};
  for (const auto& e : items)
    rows.push_back({"  " + str(e, "type"), str(e, "reason"), eventAge(e, nowNs),
                    str(obj(e, "source"), "component"), str(e, "message")});
  out << "Events:\n" << renderTable(rows);
}

}  // namespace

std::string describePod(const json& pod, const json& eventList, int64_t nowNs) {
  std::ostringstream out;
  header(out, pod);
  containers(out, pod, "initContainers", "initContainerStatuses", "Init Containers");
  containers(out, pod, "containers", "containerStatuses", "Containers");
  conditions(out, pod);
  volumes(out, pod);
  field(out, 0, "QoS Class", str(obj(pod, "status"), "qosClass"), 18);
  events(out, eventList, nowNs);
  return out.str();
}

int runDescribePod(const DescribePodOptions& o, std::ostream& out, std::ostream& err) {
  std::string path = "/pods/" + urlEncode(o.namespace_) + "/" + urlEncode(o.name);
  auto pod = getJson(o.endpoint, path);
  if (!pod) {
    err << pod.error().message << "\n";
    return 1;
  }
  auto events = getJson(o.endpoint, path + "/events");
  if (!events) {
    err << events.error().message << "\n";
    return 1;
  }
  out << describePod(*pod, *events, wallClockNs());
  return 0;
}

}  // namespace podkeeper::cli
